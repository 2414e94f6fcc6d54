//! The results of the peer comparison as a table of ops/s per workload and
//! engine, with FerrisDB's ratio over the best peer ([`Table`]), written as
//! Markdown, CSV or an SVG bar chart.

use std::fmt::Write as _;

use super::Measurement;

/// The results as a table: one row per workload, ops/s per engine (in the
/// order of `engines`), and FerrisDB's ratio over the best other engine.
#[derive(Debug, Clone)]
pub struct Table {
    /// Engine names, FerrisDB first.
    pub engines: Vec<String>,
    /// Per workload: its name and ops/s per engine (`None` if not run).
    pub rows: Vec<(String, Vec<Option<f64>>)>,
}

impl Table {
    /// Builds the table from measurements, keeping workloads in their first
    /// order of appearance.
    pub fn new(engines: &[&str], measurements: &[Measurement]) -> Table {
        let mut rows: Vec<(String, Vec<Option<f64>>)> = Vec::new();
        for m in measurements {
            let Some(column) = engines.iter().position(|e| *e == m.engine) else {
                continue;
            };
            let row = match rows.iter().position(|(w, _)| *w == m.workload) {
                Some(i) => i,
                None => {
                    rows.push((m.workload.clone(), vec![None; engines.len()]));
                    rows.len() - 1
                }
            };
            rows[row].1[column] = Some(m.ops_per_sec());
        }
        Table {
            engines: engines.iter().map(|e| e.to_string()).collect(),
            rows,
        }
    }

    /// FerrisDB (the first engine) over the fastest other engine of a row.
    pub fn ratio(values: &[Option<f64>]) -> Option<f64> {
        let ours = values.first().copied().flatten()?;
        let best = values[1..]
            .iter()
            .flatten()
            .copied()
            .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))?;
        (best > 0.0).then(|| ours / best)
    }

    /// A Markdown table: workload, ops/s per engine, ratio.
    pub fn to_markdown(&self) -> String {
        let mut s = String::from("| workload |");
        for e in &self.engines {
            let _ = write!(s, " {e} ops/s |");
        }
        s.push_str(" ferrisdb / best peer |\n|---|");
        for _ in &self.engines {
            s.push_str("---:|");
        }
        s.push_str("---:|\n");
        for (workload, values) in &self.rows {
            let _ = write!(s, "| {workload} |");
            for v in values {
                match v {
                    Some(v) => {
                        let _ = write!(s, " {} |", group_digits(*v as u64));
                    }
                    None => s.push_str(" - |"),
                }
            }
            match Table::ratio(values) {
                Some(r) => {
                    let _ = writeln!(s, " {r:.2} |");
                }
                None => s.push_str(" - |\n"),
            }
        }
        s
    }

    /// CSV: `workload,<engine>...,ratio`, ops/s as integers.
    pub fn to_csv(&self) -> String {
        let mut s = String::from("workload");
        for e in &self.engines {
            let _ = write!(s, ",{e}_ops_per_sec");
        }
        s.push_str(",ratio_vs_best_peer\n");
        for (workload, values) in &self.rows {
            s.push_str(workload);
            for v in values {
                match v {
                    Some(v) => {
                        let _ = write!(s, ",{}", *v as u64);
                    }
                    None => s.push(','),
                }
            }
            match Table::ratio(values) {
                Some(r) => {
                    let _ = writeln!(s, ",{r:.3}");
                }
                None => s.push_str(",\n"),
            }
        }
        s
    }

    /// A horizontal bar chart: a group per workload, a bar per engine, each
    /// bar's length relative to the fastest engine of its workload (figures
    /// span four orders of magnitude between fillsync and readseq), labelled
    /// with its ops/s.
    pub fn to_svg(&self) -> String {
        const COLORS: [&str; 4] = ["#d9480f", "#1c7ed6", "#2f9e44", "#7048e8"];
        let (label_w, bar_w, bar_h, gap) = (130.0, 420.0, 16.0, 14.0);
        let group_h = bar_h * self.engines.len() as f64 + gap;
        let legend_h = 24.0;
        let width = label_w + bar_w + 150.0;
        let height = legend_h + group_h * self.rows.len() as f64 + 30.0;
        let mut s = String::new();
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">"#
        );
        let _ = writeln!(s, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
        for (i, e) in self.engines.iter().enumerate() {
            let x = label_w + i as f64 * 120.0;
            let _ = writeln!(
                s,
                r#"<rect x="{x}" y="6" width="12" height="12" fill="{}"/><text x="{}" y="16">{}</text>"#,
                COLORS[i % COLORS.len()],
                x + 16.0,
                escape(e)
            );
        }
        for (row, (workload, values)) in self.rows.iter().enumerate() {
            let top = legend_h + row as f64 * group_h;
            let best = values.iter().flatten().copied().fold(0.0, f64::max);
            let _ = writeln!(
                s,
                r#"<text x="4" y="{}">{}</text>"#,
                top + group_h / 2.0,
                escape(workload)
            );
            for (i, v) in values.iter().enumerate() {
                let y = top + i as f64 * bar_h;
                let Some(v) = v else { continue };
                let w = if best > 0.0 { bar_w * v / best } else { 0.0 };
                let _ = writeln!(
                    s,
                    r#"<rect x="{label_w}" y="{y}" width="{w:.1}" height="{}" fill="{}"/><text x="{:.1}" y="{}">{} ops/s</text>"#,
                    bar_h - 2.0,
                    COLORS[i % COLORS.len()],
                    label_w + w + 4.0,
                    y + bar_h - 4.0,
                    group_digits(*v as u64)
                );
            }
        }
        let _ = writeln!(
            s,
            r##"<text x="4" y="{}" fill="#555">bars relative to the fastest engine of each workload</text>"##,
            height - 8.0
        );
        s.push_str("</svg>\n");
        s
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `1234567` as `1,234,567`.
pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn m(workload: &str, engine: &str, ops: u64) -> Measurement {
        Measurement {
            workload: workload.into(),
            engine: engine.into(),
            ops,
            elapsed: Duration::from_secs(1),
            note: String::new(),
        }
    }

    #[test]
    fn the_table_has_a_ratio_over_the_best_peer() {
        let table = Table::new(
            &["ferrisdb", "fjall", "rocksdb"],
            &[
                m("fillseq", "ferrisdb", 300),
                m("fillseq", "fjall", 100),
                m("fillseq", "rocksdb", 200),
                m("readseq", "ferrisdb", 50),
                m("readseq", "fjall", 100),
            ],
        );
        assert_eq!(table.rows.len(), 2);
        assert_eq!(Table::ratio(&table.rows[0].1), Some(1.5));
        assert_eq!(Table::ratio(&table.rows[1].1), Some(0.5));
        let csv = table.to_csv();
        assert_eq!(
            csv,
            "workload,ferrisdb_ops_per_sec,fjall_ops_per_sec,rocksdb_ops_per_sec,ratio_vs_best_peer\n\
             fillseq,300,100,200,1.500\nreadseq,50,100,,0.500\n"
        );
        let md = table.to_markdown();
        assert!(md.contains("| fillseq | 300 | 100 | 200 | 1.50 |"), "{md}");
        assert!(md.contains("| readseq | 50 | 100 | - | 0.50 |"), "{md}");
    }

    #[test]
    fn the_chart_has_a_bar_per_figure() {
        let table = Table::new(
            &["ferrisdb", "fjall"],
            &[
                m("fillseq", "ferrisdb", 2_000_000),
                m("fillseq", "fjall", 1_000_000),
            ],
        );
        let svg = table.to_svg();
        assert!(svg.starts_with("<svg"));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains(r#"width="420.0""#), "{svg}");
        assert!(svg.contains(r#"width="210.0""#), "{svg}");
        assert!(svg.contains("2,000,000 ops/s"), "{svg}");
        assert_eq!(Table::ratio(&[Some(1.0)]), None);
    }

    #[test]
    fn digits_are_grouped() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1_234_567), "1,234,567");
    }
}
