//! The password for a hub connection when the URL has none, found as PostgreSQL's own tools find
//! it: the `PGPASSWORD` variable, else the password file (`PGPASSFILE`, else `~/.pgpass`), whose
//! lines are `host:port:database:user:password` with `*` matching anything and `\` escaping `:`.

/// The password of the first line of a password file that matches, if any.
pub fn from_pgpass(text: &str, host: &str, port: u16, database: &str, user: &str) -> Option<String> {
    let port = port.to_string();
    let wanted = [host, port.as_str(), database, user];
    for line in text.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split_fields(line);
        if fields.len() != 5 {
            continue;
        }
        // A socket path or `localhost` both match an entry for `localhost`, as libpq does.
        let matches = fields[..4].iter().zip(wanted).enumerate().all(|(i, (f, w))| {
            f == "*" || f == w || (i == 0 && f == "localhost" && (w.starts_with('/') || w == "127.0.0.1"))
        });
        if matches {
            return Some(fields[4].clone());
        }
    }
    None
}

fn split_fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    out.last_mut().expect("one field").push(n);
                }
            }
            ':' if out.len() < 5 => out.push(String::new()),
            c => out.last_mut().expect("one field").push(c),
        }
    }
    out
}

/// The password for this connection from the environment or the password file, if any.
pub fn lookup(host: &str, port: u16, database: &str, user: &str) -> Option<String> {
    if let Ok(p) = std::env::var("PGPASSWORD") {
        return Some(p);
    }
    let file = match std::env::var_os("PGPASSFILE") {
        Some(f) => std::path::PathBuf::from(f),
        None => std::path::PathBuf::from(std::env::var_os("HOME")?).join(".pgpass"),
    };
    let text = std::fs::read_to_string(file).ok()?;
    from_pgpass(&text, host, port, database, user)
}

#[cfg(test)]
mod tests {
    use super::from_pgpass;

    #[test]
    fn the_first_matching_line_wins_with_wildcards_and_escapes() {
        let file = "# comment\nother:5432:*:ann:nope\n*:5433:study:ann:pa\\:ss\n*:*:*:*:fallback\n";
        assert_eq!(from_pgpass(file, "db.example", 5433, "study", "ann").as_deref(), Some("pa:ss"));
        assert_eq!(from_pgpass(file, "other", 5432, "x", "ann").as_deref(), Some("nope"));
        assert_eq!(from_pgpass(file, "h", 1, "d", "u").as_deref(), Some("fallback"));
        assert_eq!(from_pgpass("h:1:d:u:p\n", "h", 2, "d", "u"), None);
        assert_eq!(from_pgpass("localhost:5432:d:u:p\n", "/run/pg", 5432, "d", "u").as_deref(), Some("p"));
    }
}
