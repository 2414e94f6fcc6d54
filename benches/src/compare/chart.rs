//! The timeline of one cell as an SVG line chart ([`timeline_svg`]): ops
//! per second over the seconds of the workload, a line per run, so stalls,
//! warm-up and the steady state of every engine show side by side.
//!
//! The SVG is written as text: a few elements need no drawing crate.

use std::fmt::Write as _;

use super::record::Record;
use super::report::group_digits;

/// Line colours, one per engine (in alphabetical order of engine names).
const COLORS: [&str; 6] = [
    "#d9480f", "#1c7ed6", "#2f9e44", "#7048e8", "#c2255c", "#495057",
];
/// Size of the chart and the margins around its plot area, in pixels.
const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 420.0;
const LEFT: f64 = 90.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 64.0;
const BOTTOM: f64 = 50.0;

/// A line chart of the timelines of the records of one workload, scale and
/// profile: one line per run, the runs of an engine in the engine's colour,
/// translucent so that overlapping runs stay visible; the point of second
/// `s` (from 1) holds the operations done in that second, as in the
/// timeline CSV. `None` when no such record has a timeline.
pub fn timeline_svg(
    records: &[Record],
    scale: &str,
    profile: &str,
    workload: &str,
) -> Option<String> {
    let lines: Vec<&Record> = records
        .iter()
        .filter(|r| r.scale == scale && r.profile == profile && r.workload == workload)
        .filter(|r| !r.timeline.is_empty())
        .collect();
    if lines.is_empty() {
        return None;
    }
    let mut engines: Vec<&str> = lines.iter().map(|r| r.engine.as_str()).collect();
    engines.sort_unstable();
    engines.dedup();
    let seconds = lines.iter().map(|r| r.timeline.len()).max().unwrap_or(1) as f64;
    let peak = lines
        .iter()
        .flat_map(|r| r.timeline.iter())
        .copied()
        .max()
        .unwrap_or(0) as f64;
    let x_step = nice_step(seconds / 8.0);
    let y_step = nice_step(peak / 5.0);
    // Whole steps, at least one, so no axis has a zero span to divide by.
    let x_max = (seconds / x_step).ceil().max(1.0) * x_step;
    let y_max = (peak / y_step).ceil().max(1.0) * y_step;
    let (plot_w, plot_h) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
    let x = |s: f64| LEFT + s / x_max * plot_w;
    let y = |v: f64| TOP + plot_h - v / y_max * plot_h;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        svg,
        r##"<rect width="100%" height="100%" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        svg,
        r#"<text x="{LEFT}" y="22" font-size="15" font-weight="bold">{}: ops per second, scale {}, profile {}</text>"#,
        escape(workload),
        escape(scale),
        escape(profile)
    );
    for (i, engine) in engines.iter().enumerate() {
        let left = LEFT + i as f64 * 130.0;
        let _ = writeln!(
            svg,
            r#"<line x1="{left}" y1="42" x2="{}" y2="42" stroke="{}" stroke-width="3"/><text x="{}" y="46">{}</text>"#,
            left + 20.0,
            COLORS[i % COLORS.len()],
            left + 26.0,
            escape(engine)
        );
    }
    let mut tick = 0.0;
    while tick <= y_max {
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{0:.1}" x2="{1}" y2="{0:.1}" stroke="#e9ecef"/><text x="{2}" y="{3:.1}" text-anchor="end">{4}</text>"##,
            y(tick),
            WIDTH - RIGHT,
            LEFT - 6.0,
            y(tick) + 4.0,
            group_digits(tick as u64)
        );
        tick += y_step;
    }
    let mut tick = 0.0;
    while tick <= x_max {
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
            x(tick),
            TOP + plot_h + 18.0,
            tick as u64
        );
        tick += x_step;
    }
    let _ = writeln!(
        svg,
        r##"<path d="M{LEFT},{TOP} V{0} H{1}" fill="none" stroke="#343a40"/>"##,
        TOP + plot_h,
        WIDTH - RIGHT
    );
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{}" text-anchor="middle">seconds</text>"#,
        LEFT + plot_w / 2.0,
        HEIGHT - 8.0
    );
    let _ = writeln!(
        svg,
        r#"<text x="18" y="{0:.1}" text-anchor="middle" transform="rotate(-90 18 {0:.1})">ops/s</text>"#,
        TOP + plot_h / 2.0
    );
    for r in &lines {
        let color = engines.iter().position(|e| *e == r.engine).unwrap_or(0);
        let mut points = String::new();
        for (i, ops) in r.timeline.iter().enumerate() {
            let _ = write!(points, "{:.1},{:.1} ", x(i as f64 + 1.0), y(*ops as f64));
        }
        let _ = writeln!(
            svg,
            r#"<polyline fill="none" stroke="{}" stroke-width="1.5" stroke-opacity="0.6" points="{}"><title>{} run {}</title></polyline>"#,
            COLORS[color % COLORS.len()],
            points.trim_end(),
            escape(&r.engine),
            r.run
        );
    }
    svg.push_str("</svg>\n");
    Some(svg)
}

/// A step of 1, 2 or 5 times a power of ten, at least `raw` and at least 1
/// (the axes count whole seconds and whole operations).
fn nice_step(raw: f64) -> f64 {
    if raw <= 1.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|step| *step >= raw)
        .unwrap_or(10.0 * magnitude)
}

/// Text safe inside an element or a quoted attribute.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::report::test_record;

    /// Checks that every tag is closed in order, that attribute values are
    /// quoted, and that no `<` or `&` is loose in the text.
    fn assert_well_formed(svg: &str) {
        let mut open: Vec<&str> = Vec::new();
        let mut rest = svg;
        while let Some(start) = rest.find('<') {
            let text = &rest[..start];
            for (i, _) in text.match_indices('&') {
                let entity = &text[i..];
                assert!(
                    ["&amp;", "&lt;", "&gt;", "&quot;"]
                        .iter()
                        .any(|e| entity.starts_with(e)),
                    "loose & in {text:?}"
                );
            }
            let end = rest[start..].find('>').expect("an unclosed tag") + start;
            let tag = &rest[start + 1..end];
            assert!(!tag.contains('<'), "a < inside the tag {tag:?}");
            assert_eq!(
                tag.matches('"').count() % 2,
                0,
                "unbalanced quotes in {tag:?}"
            );
            let name = tag.split_whitespace().next().unwrap_or("");
            if let Some(closing) = name.strip_prefix('/') {
                assert_eq!(open.pop(), Some(closing), "mismatched </{closing}>");
            } else if !tag.ends_with('/') {
                open.push(name);
            }
            rest = &rest[end + 1..];
        }
        assert!(open.is_empty(), "unclosed {open:?}");
    }

    fn with_timeline(engine: &str, run: u32, workload: &str, timeline: &[u64]) -> Record {
        let mut r = test_record("small", engine, "equal", run, workload, 1.0);
        r.timeline = timeline.to_vec();
        r
    }

    #[test]
    fn a_line_per_run_with_a_timeline() {
        let records = vec![
            with_timeline("fjall", 1, "fillseq", &[9_000, 12_000, 11_000]),
            with_timeline("fjall", 2, "fillseq", &[8_000, 10_000]),
            with_timeline("ferrisdb", 1, "fillseq", &[10_500, 11_500, 11_900, 11_000]),
            with_timeline("ferrisdb", 2, "fillseq", &[]),
            with_timeline("ferrisdb", 3, "readseq", &[1, 2]),
            test_record("large", "fjall", "equal", 1, "fillseq", 1.0),
        ];
        let svg = timeline_svg(&records, "small", "equal", "fillseq").unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.trim_end().ends_with("</svg>"), "{svg}");
        assert_well_formed(&svg);
        assert_eq!(svg.matches("<polyline").count(), 3, "{svg}");
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        assert!(svg.contains(">15,000</text>"), "{svg}");
        assert!(svg.contains(">seconds</text>") && svg.contains(">ops/s</text>"));
        assert!(svg.contains("fillseq: ops per second, scale small, profile equal"));
        // The runs of an engine share its colour: ferrisdb first, then fjall.
        assert_eq!(
            svg.matches(r##"stroke="#1c7ed6" stroke-width="1.5""##)
                .count(),
            2
        );
        assert_eq!(
            svg.matches(r##"stroke="#d9480f" stroke-width="1.5""##)
                .count(),
            1
        );
        assert!(timeline_svg(&records, "large", "equal", "fillseq").is_none());
        assert!(timeline_svg(&records, "small", "equal", "ycsb-a").is_none());
    }

    #[test]
    fn names_are_escaped_and_zeros_draw() {
        let records = vec![with_timeline("a&b", 1, "<w>\"", &[0, 0])];
        let svg = timeline_svg(&records, "small", "equal", "<w>\"").unwrap();
        assert_well_formed(&svg);
        assert!(svg.contains("&lt;w&gt;&quot;: ops"), "{svg}");
        assert!(svg.contains(">a&amp;b</text>"), "{svg}");
        assert!(!svg.contains("a&b") && !svg.contains("<w>"), "{svg}");
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    }

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(0.0), 1.0);
        assert_eq!(nice_step(0.4), 1.0);
        assert_eq!(nice_step(2_400.0), 5_000.0);
        assert_eq!(nice_step(7.5), 10.0);
        assert_eq!(nice_step(120.0), 200.0);
    }
}
