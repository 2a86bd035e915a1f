//! The report page: escaping, self-containment, the tables and the paired
//! comparisons, on a hand-made run.

use super::*;
use crate::metrics::aggregate::Interval;
use crate::metrics::metric::PerMetric;
use crate::report::data::RunMeta;

/// A 1x1 PNG (a white pixel).
const PNG: [u8; 69] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x08, 0xd7, 0x63, 0xf8, 0xff, 0xff, 0x3f,
    0x00, 0x05, 0xfe, 0x02, 0xfe, 0xa7, 0x35, 0x81, 0x84, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
    0x44, 0xae, 0x42, 0x60, 0x82,
];

fn interval(mean: f64, half_width: f64) -> Option<Interval> {
    Some(Interval {
        mean,
        half_width: Some(half_width),
    })
}

fn row(point: usize, value: &str, policy: &str, class: &str, reps: usize) -> AggregateRow {
    let mut intervals = PerMetric::default();
    for m in HEADLINE {
        intervals[m] = interval(0.0123, 0.0012);
    }
    intervals[Metric::Completed] = interval(1813.4, 12.3);
    AggregateRow {
        point,
        sweep_value: value.to_string(),
        policy: policy.to_string(),
        class: Classes::parse(class),
        replications: reps,
        intervals,
    }
}

fn data() -> RunData {
    let policies = ["fifo", "<b>ps</b>"];
    let mut aggregate = Vec::new();
    for (point, value) in ["0.5", "0.9"].iter().enumerate() {
        for p in policies {
            for class in ["web", "batch", "*"] {
                aggregate.push(row(point, value, p, class, 5));
            }
        }
    }
    RunData {
        meta: RunMeta {
            scenario: "web & <friends>".to_string(),
            description: Some("First line\nwrapped here.\n\nSecond <paragraph>.".into()),
            replications: 5,
            policies: policies.map(String::from).to_vec(),
            classes: vec!["web".into(), "batch".into()],
            cpus: 2,
            sweep: vec!["load".into()],
            points: vec!["0.5".into(), "0.9".into()],
            resolved_scenario: "name = \"web & <friends>\"\n[[policy]]\nkind = \"fifo\"\n"
                .to_string(),
            complete: true,
            diagnostics: Vec::new(),
        },
        aggregate,
        series: Vec::new(),
        cdf: Vec::new(),
        gantt: Vec::new(),
    }
}

fn charts() -> Vec<Chart> {
    vec![Chart {
        name: "latency_cdf".into(),
        title: "Latency <CDF>".into(),
        svg: r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>"#.into(),
        png: PNG.to_vec(),
        width: 1,
        height: 1,
    }]
}

const PAIRED: &str =
    "point,sweep_value,class,policy_a,policy_b,metric,replications,mean_difference,ci95,significant
0,0.5,*,fifo,<b>ps</b>,latency_mean_s,5,0.0123,0.0012,true
0,0.5,*,fifo,<b>ps</b>,latency_p99_s,5,-0.0004,0.001,false
0,0.5,web,fifo,<b>ps</b>,latency_mean_s,5,9,1,true
0,0.5,*,fifo,<b>ps</b>,completed,5,3,1,true
1,0.9,*,fifo,<b>ps</b>,latency_mean_s,5,1.5,0.25,true
";

#[test]
fn escapes_every_label() {
    let page = render(&data(), &charts(), Some(PAIRED));
    assert!(page.contains("web &amp; &lt;friends&gt;"));
    assert!(page.contains("&lt;b&gt;ps&lt;/b&gt;"));
    assert!(page.contains("Latency &lt;CDF&gt;"));
    assert!(page.contains("Second &lt;paragraph&gt;."));
    assert!(!page.contains("<b>ps"));
    assert!(!page.contains("<friends>"));
    assert!(!page.contains("<CDF>"));
    assert!(!page.contains("<paragraph>"));
    assert!(page.contains("<pre>name = &quot;web &amp; &lt;friends&gt;&quot;"));
}

#[test]
fn is_self_contained() {
    let page = render(&data(), &charts(), Some(PAIRED));
    for external in ["http://", "https://", "<link", "src=\"/", "@import", "url("] {
        assert!(!page.contains(external), "{external}");
    }
    let base64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let svg = base64(charts()[0].svg.as_bytes());
    assert!(page.contains(&format!("src=\"data:image/svg+xml;base64,{svg}\"")));
    assert_eq!(page.matches("<img ").count(), 1);
    assert!(page.contains("<a href=\"#chart-latency-cdf\">Latency &lt;CDF&gt;</a>"));
    assert!(page.contains("<a href=\"latency_cdf.png\">"));
    // A chart without an SVG shows its PNG.
    let mut charts = charts();
    charts[0].svg.clear();
    let page = render(&data(), &charts, None);
    assert!(page.contains(&format!("src=\"data:image/png;base64,{}\"", base64(&PNG))));
    assert!(page.contains("id=\"self-check\""));
    assert!(page.contains("<script>") && page.ends_with("</html>\n"));
}

#[test]
fn shows_the_description_as_paragraphs() {
    let page = render(&data(), &[], None);
    assert!(page.contains("<p>First line wrapped here.</p>"));
    assert!(page.contains("<p>Second &lt;paragraph&gt;.</p>"));
    assert!(page.contains("2 policies · 2 task classes · 2 CPUs · 5 replications"));
    assert!(page.contains("sweep of load over 0.5, 0.9"));
}

#[test]
fn tables_have_a_row_per_point_and_policy() {
    let page = render(&data(), &[], None);
    let (headline, detail) = page.split_once("<details id=\"per-class\">").unwrap();
    let headline = headline.split_once("<section id=\"metrics\">").unwrap().1;
    assert_eq!(headline.matches("<th scope=\"row\">").count(), 4);
    assert_eq!(headline.matches("rowspan=\"2\"").count(), 2);
    let detail = detail.split_once("</details>").unwrap().0;
    assert_eq!(detail.matches("<th scope=\"row\">").count(), 8);
    assert!(detail.contains("<td>batch</td>"));
    // Mean with its half-width, in milliseconds, and a count.
    assert!(headline.contains("<span class=\"m\">12.3 ms</span> <span class=\"ci\">± 1.2</span>"));
    assert!(headline.contains("<span class=\"m\">1813</span> <span class=\"ci\">± 12</span>"));
    assert!(headline.contains("<span class=\"m\">1.23%</span> <span class=\"ci\">± 0.12</span>"));
    assert!(headline.contains(">deadline misses</th>"));
    assert!(!page.contains("id=\"comparisons\""));
    assert!(!page.contains("id=\"charts\""));
}

#[test]
fn deadline_misses_only_when_some() {
    let mut d = data();
    for row in &mut d.aggregate {
        row.intervals[Metric::DeadlineMisses] = interval(0.0, 0.0);
    }
    let page = render(&d, &[], None);
    assert!(!page.contains("deadline misses"));
    assert!(page.contains("No task missed a deadline."));
    let page = render(&data(), &[], None);
    assert!(page.contains(">deadline misses</th>"));
    assert!(!page.contains("No task missed a deadline."));
}

#[test]
fn one_class_has_no_per_class_detail() {
    let mut d = data();
    d.meta.classes.truncate(1);
    d.aggregate
        .retain(|r| r.class != Classes::One("batch".into()));
    assert!(!render(&d, &[], None).contains("per-class"));
}

#[test]
fn paired_comparisons_of_latency() {
    let page = render(&data(), &[], Some(PAIRED));
    let section = page.split_once("<section id=\"comparisons\">").unwrap().1;
    let section = section.split_once("</section>").unwrap().0;
    assert_eq!(section.matches("<th scope=\"row\">").count(), 2);
    assert!(section.contains("fifo vs &lt;b&gt;ps&lt;/b&gt;"));
    assert!(section.contains(
        "<span class=\"m\">+12.3 ms</span> <span class=\"ci\">± 1.2</span><span class=\"verdict\"><span class=\"sig\">significant</span></span>"
    ));
    assert!(section.contains(
        "<span class=\"m\">\u{2212}0.4 ms</span> <span class=\"ci\">± 1.0</span><span class=\"verdict\"><span class=\"nsig\">not significant</span></span>"
    ));
    assert!(section.contains("<span class=\"m\">+1.50 s</span> <span class=\"ci\">± 0.25</span>"));
    // Per-class rows and other metrics stay out.
    assert!(!section.contains("+9"));
    assert!(!section.contains("+3"));
    assert!(render(&data(), &[], Some("what,ever\n1,2\n")).contains("could not be read"));
    assert!(
        render(
            &data(),
            &[],
            Some(&PAIRED[..PAIRED.find('\n').unwrap() + 1])
        )
        .contains("single policy")
    );
}

/// A run with diagnostics shows them first, and says when it is incomplete;
/// a run without shows no such section.
#[test]
fn diagnostics_come_first_and_say_incomplete() {
    use crate::batch::{Diagnostic, DiagnosticKind, Severity};
    let clean = render(&data(), &[], None);
    assert!(!clean.contains("id=\"diagnostics\""));
    let mut d = data();
    d.meta.complete = false;
    d.meta.diagnostics = vec![Diagnostic {
        kind: DiagnosticKind::LimitReached,
        severity: Severity::Error,
        point: 1,
        sweep_value: "0.9".into(),
        policy: "<b>ps</b>".into(),
        replication: 2,
        instant: "5s".into(),
        instant_ns: 5_000_000_000,
        limit: Some(crate::model::Limit::MaxLiveTasks),
        tasks: Vec::new(),
        message: "reached max_live_tasks = 10 at 5s".into(),
        hint: "raise it".into(),
    }];
    let page = render(&d, &[], None);
    assert!(page.contains("<a href=\"#diagnostics\">Diagnostics</a>"));
    assert!(page.contains("<strong>Incomplete:</strong> a limit stopped 1 run;"));
    assert!(page.contains(
        "<strong>limit reached</strong> point 1 (0.9), policy `&lt;b&gt;ps&lt;/b&gt;`, replication 2: reached max_live_tasks = 10 at 5s"
    ));
    assert!(page.find("id=\"diagnostics\"") < page.find("id=\"metrics\""));
}

#[test]
fn slugs() {
    assert_eq!(slug("Latency CDF (p99)"), "latency-cdf-p99");
}
