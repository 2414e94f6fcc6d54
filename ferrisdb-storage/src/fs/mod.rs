//! File I/O behind one small trait, so tests can inject faults and crashes.
