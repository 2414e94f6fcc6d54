//! Whether an SVG's body is plausibly a whole render of its source: the
//! hash line says which `.dot` it was rendered from, but not that the
//! lines after it are still that render.
//!
//! Without running Graphviz (CI does not have it), two things catch an SVG
//! edited by hand or cut short: it ends with `</svg>`, and every string it
//! draws (`<text>…</text>`, which Graphviz writes for each line of a label)
//! is in its `.dot`. Text is compared with XML's escapes undone, Graphviz's
//! non-breaking spaces made plain, and the `.dot`'s `\"` made `"` (or its
//! XML escapes undone, for HTML-like labels).

/// What is wrong with the body of `svg`, rendered from the Graphviz source
/// `dot`, named `dot_name` in the message; `None` if nothing is.
pub(super) fn body_problem(svg: &str, dot: &str, dot_name: &str) -> Option<String> {
    if !svg.trim_end().ends_with("</svg>") {
        return Some("cut short: it does not end with `</svg>`".to_owned());
    }
    let quoted = dot.replace("\\\"", "\"");
    let unescaped = unescape_xml(dot);
    let missing: Vec<String> = drawn_strings(svg)
        .into_iter()
        .filter(|s| !quoted.contains(s.as_str()) && !unescaped.contains(s.as_str()))
        .map(|s| format!("`{s}`"))
        .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "edited by hand, or not rendered from this {dot_name}: it draws text that is \
             nowhere in {dot_name}: {}",
            missing.join(", ")
        )
    })
}

/// The strings of the `<text>` elements of `svg`, XML-unescaped, with
/// non-breaking spaces made plain; an element left open ends the SVG.
fn drawn_strings(svg: &str) -> Vec<String> {
    let mut strings = Vec::new();
    let mut rest = svg;
    while let Some(at) = rest.find("<text") {
        rest = &rest[at + "<text".len()..];
        // `<text>` or `<text attributes…>`, not `<textPath`.
        if !rest.starts_with(['>', ' ', '\t', '\n', '\r']) {
            continue;
        }
        let Some(open_end) = rest.find('>') else {
            break;
        };
        rest = &rest[open_end + 1..];
        let end = rest.find("</text>").unwrap_or(rest.len());
        strings.push(unescape_xml(&rest[..end]).replace('\u{a0}', " "));
        rest = &rest[end..];
    }
    strings
}

/// `text` with XML's character references (`&#45;`, `&#x2d;`) and the five
/// named escapes undone; anything else that starts with `&` is kept.
fn unescape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let decoded = rest.find(';').and_then(|end| {
            let name = &rest[1..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => {
                    let number = name.strip_prefix('#')?;
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => number.parse().ok(),
                    };
                    code.and_then(char::from_u32)
                }
            };
            c.map(|c| (c, end + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOT: &str = "digraph flow { a [label=\"say \\\"hi\\\" & go\"]; a -> b }\n";

    fn svg(body: &str) -> String {
        format!("<?xml version=\"1.0\"?>\n<svg>\n{body}</svg>\n")
    }

    #[test]
    fn a_render_whose_text_is_in_its_source_passes() {
        let body = "<g><title>a</title><text text-anchor=\"middle\">say &quot;hi&quot; &amp; go\
                    </text><text>b</text></g>\n";
        assert_eq!(body_problem(&svg(body), DOT, "flow.dot"), None);
        assert_eq!(body_problem(&svg(""), DOT, "flow.dot"), None);
    }

    #[test]
    fn text_that_is_not_in_the_source_fails_naming_it() {
        let body = "<text>a</text><text x=\"1\">c</text><text>&#45;&gt;</text>\n";
        let problem = body_problem(&svg(body), DOT, "flow.dot").unwrap();
        assert!(problem.starts_with("edited by hand"), "{problem}");
        assert!(problem.ends_with("nowhere in flow.dot: `c`"), "{problem}");
    }

    #[test]
    fn an_svg_cut_short_fails() {
        let cut = "<?xml version=\"1.0\"?>\n<svg><g><text>a</text>";
        let problem = body_problem(cut, DOT, "flow.dot").unwrap();
        assert!(problem.starts_with("cut short"), "{problem}");
    }

    #[test]
    fn strings_are_unescaped() {
        let svg = "<text a=\"1\">x&#160;&#45;&#x3e;&lt;y&gt; &unknown; &amp;</text>\
                   <textPath>no</textPath><text>\n</text>";
        assert_eq!(
            drawn_strings(svg),
            ["x -><y> &unknown; &", "\n"].map(str::to_owned)
        );
    }
}
