//! Ctrl-C (SIGINT) or SIGTERM during an export leaves no file behind: the writer catches the
//! signal, stops at the next write and removes its temporary file. Alone in its own test binary,
//! since it raises a real signal in the process.

use crossreview::export::writer::AtomicFile;
use std::io::Write;

#[test]
fn a_signal_while_writing_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("export.jsonl");
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let mut f = AtomicFile::create(&target).unwrap();
        f.write_all(b"{\"row\": 1}\n").unwrap();
        // Without the writer's handler this would end the test process.
        signal_hook::low_level::raise(sig).unwrap();
        let err = f.write_all(b"{\"row\": 2}\n").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::Interrupted);
        assert!(f.commit().is_err(), "an interrupted export is never renamed into place");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "no export and no temporary file: {left:?}");
    }
}
