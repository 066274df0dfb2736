//! The chain of command as an indented outline: one box per unit, a parent above its
//! children with connector lines, each box naming the unit, its incidents (own / with the
//! units below) and its commanders with their periods and the incidents of their command.
//! An outline rather than a tree drawing: it stays readable at fifty sub-units and on a
//! phone, and reads top to bottom like the table beside it. Units whose parent is
//! missing come first, dashed and marked.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use super::svg::{self, BAD, INK, LINE, MUTED, Svg, WASH, fill, fit, text_width};
use super::{Caption, Words};
use crate::analysis::model::{CommandNode, CommandPeriod, CommandTree};

const W: f64 = 420.0;
const PAD: f64 = 12.0;
const INDENT: f64 = 18.0;
const MAX_INDENT: usize = 10;
const MAX_NODES: usize = 200;
const MAX_COMMANDERS: usize = 5;
const CONNECTOR: &str = "#7a848d";

pub fn draw(tree: &CommandTree, w: &Words) -> String {
    let title = w.c(Caption::CommandTitle);
    if tree.nodes.is_empty() {
        return svg::message("command", title, w.c(Caption::NoUnits), "");
    }
    let cut: HashSet<_> = tree.cut.iter().collect();
    let rows = order(tree, &cut);
    let shown = &rows[..rows.len().min(MAX_NODES)];

    let mut g = Svg::new("command", W, title, &describe(title, &rows, &cut, w));
    g.text(PAD, 22.0, 15.0, "start", r#"font-weight="600""#, title);
    // The legend: what the pair of numbers on each box means.
    let pill = pill_width("3 / 12");
    g.rect(PAD, 32.0, pill, 18.0, &format!(r#"rx="9" fill="{WASH}" stroke="{LINE}""#));
    g.text(PAD + pill / 2.0, 45.0, 12.0, "middle", "", "3 / 12");
    g.text(PAD + pill + 8.0, 45.0, 12.0, "start", &format!(r#"fill="{MUTED}""#), w.c(Caption::CommandCounts));
    let mut y = 64.0;

    let mut placed: HashMap<uuid::Uuid, (f64, f64)> = HashMap::new(); // unit → (x, bottom)
    for (node, depth) in shown {
        let x = PAD + INDENT * (*depth).min(MAX_INDENT) as f64;
        let is_cut = cut.contains(&node.unit_id);
        let commanders = &node.commanders[..node.commanders.len().min(MAX_COMMANDERS)];
        let lines =
            2 * commanders.len() + usize::from(node.commanders.len() > MAX_COMMANDERS) + usize::from(is_cut);
        let h = 28.0 + 16.0 * lines as f64;
        if let Some((px, bottom)) = node.parent_id.and_then(|p| placed.get(&p)).filter(|_| !is_cut) {
            let lx = px + 9.0;
            g.line(lx, *bottom, lx, y + 13.0, &format!(r#"stroke="{CONNECTOR}" stroke-width="1.2""#));
            g.line(lx, y + 13.0, x, y + 13.0, &format!(r#"stroke="{CONNECTOR}" stroke-width="1.2""#));
        }
        if is_cut {
            g.line(
                x + 9.0,
                y - 8.0,
                x + 9.0,
                y,
                &format!(r#"stroke="{BAD}" stroke-width="1.5" stroke-dasharray="2 2""#),
            );
        }
        g.push("<g>");
        g.tip(&tip(node, is_cut, w));
        let frame = if is_cut {
            format!(r##"rx="4" fill="#ffffff" stroke="{BAD}" stroke-width="1.5" stroke-dasharray="5 3""##)
        } else {
            format!(r##"rx="4" fill="#ffffff" stroke="{INK}" stroke-width="1""##)
        };
        g.rect(x, y, W - PAD - x, h - 4.0, &frame);
        let counts = format!("{} / {}", node.own_incidents.len(), node.rolled_up);
        let pw = pill_width(&counts);
        let right = W - PAD - 6.0;
        g.rect(right - pw, y + 4.0, pw, 18.0, &format!(r#"rx="9" fill="{WASH}" stroke="{LINE}""#));
        g.text(right - pw / 2.0, y + 17.0, 12.0, "middle", "", &counts);
        let name_w = right - pw - 8.0 - (x + 8.0);
        g.open_link(w.links, &format!("/units/{}", node.unit_id));
        g.text(x + 8.0, y + 17.0, 13.0, "start", r#"font-weight="600""#, &fit(&node.name, name_w, 13.0));
        g.close_link(w.links);
        let mut ly = y + 17.0;
        if is_cut {
            ly += 17.0;
            g.text(
                x + 8.0,
                ly,
                12.0,
                "start",
                &format!(r#"fill="{BAD}" font-weight="600""#),
                &format!("⚠ {}", w.c(Caption::ParentMissing)),
            );
        }
        for p in commanders {
            ly += 17.0;
            let name = format!("{}: {}", w.c(Caption::Commander), p.pseudonym);
            g.open_link(w.links, &format!("/persons/{}", p.person_id));
            g.text(x + 8.0, ly, 12.0, "start", "", &fit(&name, W - PAD - x - 16.0, 12.0));
            g.close_link(w.links);
            ly += 15.0;
            let detail = fit(&commander_detail(p, w), W - PAD - x - 26.0, 11.0);
            g.text(x + 18.0, ly, 11.0, "start", &format!(r#"fill="{MUTED}""#), &detail);
        }
        if node.commanders.len() > MAX_COMMANDERS {
            ly += 16.0;
            let more = fill(w.c(Caption::AndMore), node.commanders.len() - MAX_COMMANDERS);
            g.text(x + 8.0, ly, 12.0, "start", &format!(r#"fill="{MUTED}""#), &more);
        }
        g.push("</g>");
        placed.insert(node.unit_id, (x, y + h - 4.0));
        y += h + 6.0;
    }
    y += g.and_more(PAD, y, w.c(Caption::AndMore), rows.len() - shown.len());
    g.height = y + PAD - 6.0;
    g.finish()
}

/// The nodes in drawing order with their indentation: the subtrees of units whose
/// parent is missing first, then the rest, each in the depth-first order given. A
/// subtree starts at a node without a parent in the tree (or a cut one); depths are
/// counted from its head, so odd depths in the input never indent off the picture.
fn order<'a>(tree: &'a CommandTree, cut: &HashSet<&uuid::Uuid>) -> Vec<(&'a CommandNode, usize)> {
    let ids: HashSet<_> = tree.nodes.iter().map(|n| n.unit_id).collect();
    let mut runs: Vec<(bool, Vec<(&CommandNode, usize)>)> = Vec::new();
    let mut head_depth = 0;
    for node in &tree.nodes {
        let is_cut = cut.contains(&node.unit_id);
        let orphan = node.parent_id.is_none_or(|p| !ids.contains(&p));
        if runs.is_empty() || is_cut || orphan {
            head_depth = node.depth;
            runs.push((is_cut, Vec::new()));
        }
        let depth = node.depth.saturating_sub(head_depth) as usize;
        if let Some((_, run)) = runs.last_mut() {
            run.push((node, depth));
        }
    }
    let (mut first, rest): (Vec<_>, Vec<_>) = runs.into_iter().partition(|(c, _)| *c);
    first.extend(rest);
    first.into_iter().flat_map(|(_, run)| run).collect()
}

fn period(p: &CommandPeriod, w: &Words) -> String {
    let open = w.c(Caption::OpenEnd);
    let from = p.from.map_or_else(|| open.to_owned(), |d| d.to_string());
    let to = p.to.map_or_else(|| open.to_owned(), |d| d.to_string());
    format!("{from} – {to}")
}

fn commander_line(p: &CommandPeriod, w: &Words) -> String {
    format!("{}: {}, {}", w.c(Caption::Commander), p.pseudonym, commander_detail(p, w))
}

/// The period of a command and the incidents within it (and possibly within it).
fn commander_detail(p: &CommandPeriod, w: &Words) -> String {
    let mut line = period(p, w);
    let _ = write!(line, " · {}", fill(w.c(Caption::CommandIncidents), p.incidents.len()));
    if !p.possibly.is_empty() {
        let _ = write!(line, " · {}", fill(w.c(Caption::Possibly), p.possibly.len()));
    }
    line
}

fn tip(node: &CommandNode, is_cut: bool, w: &Words) -> String {
    let mut t = format!(
        "{} — {}: {} / {}",
        node.name,
        w.c(Caption::CommandCounts),
        node.own_incidents.len(),
        node.rolled_up
    );
    if is_cut {
        let _ = write!(t, " — {}", w.c(Caption::ParentMissing));
    }
    for p in &node.commanders {
        let _ = write!(t, "; {}", commander_line(p, w));
    }
    t
}

fn pill_width(text: &str) -> f64 {
    text_width(text, 12.0) + 14.0
}

fn describe(title: &str, rows: &[(&CommandNode, usize)], cut: &HashSet<&uuid::Uuid>, w: &Words) -> String {
    let mut d = format!("{title}. {}.", w.c(Caption::CommandCounts));
    for (node, depth) in rows.iter().take(20) {
        let _ = write!(
            d,
            " {}{}: {} / {}",
            "—".repeat(*depth),
            node.name,
            node.own_incidents.len(),
            node.rolled_up
        );
        if cut.contains(&node.unit_id) {
            let _ = write!(d, " ({})", w.c(Caption::ParentMissing));
        }
        for p in &node.commanders {
            let _ = write!(d, "; {}", commander_line(p, w));
        }
        d.push('.');
    }
    if rows.len() > 20 {
        let _ = write!(d, " {}", fill(w.c(Caption::AndMore), rows.len() - 20));
    }
    d
}
