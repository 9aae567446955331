//! Text made safe and measurable for the terminal.
