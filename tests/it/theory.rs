//! Validation against closed-form queueing results no one on the team wrote.
//! Each test runs independent replications (fixed seeds) and checks that the
//! theoretical value lies in the 99% confidence interval of the replication
//! means (Student t over replications). Long runs: release mode only.

use crate::support::{mean_ci99, scenario};

/// Mean latency of each replication, all classes.
fn replication_means(text: &str) -> Vec<Vec<f64>> {
    let s = scenario(text);
    let r = run_lean(&s);
    (0..s.policies.len())
        .map(|p| {
            r.cells
                .iter()
                .filter(|c| c.key.policy == p)
                .map(|c| c.summaries.last().unwrap().latency_mean_s.unwrap())
                .collect()
        })
        .collect()
}

fn run_lean(s: &corosim::scenario::Scenario) -> corosim::batch::BatchResult {
    use corosim::batch::{BatchOptions, TaskRows};
    let options = BatchOptions {
        jobs: None,
        task_rows: TaskRows::Never,
        shard: None,
        trace: false,
    };
    corosim::batch::run(&corosim::scenario::Study::single(s.clone()), &options).unwrap()
}

/// M/M/1 under FIFO: E[T] = 1 / (mu - lambda) (Kleinrock, Queueing Systems
/// vol. 1, eq. 3.26). mu = 1000/s; loads 0.5 and 0.8.
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "long statistical run: use cargo test --release"
)]
fn mm1_fifo_mean_latency() {
    for (rate, expected) in [(500.0, 0.002), (800.0, 0.005)] {
        let text = format!(
            r#"
name = "mm1"
seed = 2024
horizon = "100s"
warmup = "5s"
replications = 30
[[policy]]
kind = "fifo"
[[task]]
name = "job"
arrival = {{ process = "poisson", rate = {rate} }}
program = [ {{ compute = {{ exp = "1ms" }} }} ]
"#
        );
        let means = &replication_means(&text)[0];
        let (mean, half) = mean_ci99(means);
        eprintln!("M/M/1 rate {rate}: {mean:.6} +- {half:.6} s, theory {expected}");
        assert!(
            (mean - expected).abs() <= half,
            "rate {rate}: {mean} +- {half}, theory {expected}"
        );
        assert!(
            half < 0.05 * expected,
            "interval too wide to mean anything: {half}"
        );
    }
}

/// M/G/1 with processor sharing is insensitive to the service distribution:
/// E[T] = E[S] / (1 - rho) (Kleinrock, vol. 2, section 4.4). Service is
/// hyper-exponential with mean 1ms and squared coefficient of variation 5.5;
/// rho = 0.7, so E[T] = 3.333ms. FIFO on the same workload follows
/// Pollaczek-Khinchine, E[T] = E[S] + lambda E[S^2] / (2 (1 - rho)) = 8.58ms,
/// which shows the workload is far from exponential. Round robin with a
/// quantum of a twentieth of the mean service approaches PS (within 5%).
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "long statistical run: use cargo test --release"
)]
fn mg1_processor_sharing_is_insensitive() {
    let text = r#"
name = "mg1-ps"
seed = 7
horizon = "60s"
warmup = "2s"
replications = 20
[[policy]]
kind = "ps"
[[policy]]
kind = "fifo"
[[policy]]
kind = "round-robin"
quantum = "50us"
[[task]]
name = "job"
arrival = { process = "poisson", rate = 700.0 }
program = [ { compute = { hyperexp = { p = [0.9, 0.1], means = ["500us", "5.5ms"] } } } ]
"#;
    let means = replication_means(text);
    let ps_theory = 0.001 / 0.3;
    // E[S^2] = 2 (0.9 * 0.5ms^2 + 0.1 * 5.5ms^2) = 6.5e-6 s^2.
    let fifo_theory = 0.001 + 700.0 * 6.5e-6 / (2.0 * 0.3);
    let (ps, ps_half) = mean_ci99(&means[0]);
    assert!(
        (ps - ps_theory).abs() <= ps_half,
        "ps: {ps} +- {ps_half}, theory {ps_theory}"
    );
    let (fifo, fifo_half) = mean_ci99(&means[1]);
    assert!(
        (fifo - fifo_theory).abs() <= fifo_half,
        "fifo: {fifo} +- {fifo_half}, theory {fifo_theory}"
    );
    let (rr, rr_half) = mean_ci99(&means[2]);
    eprintln!(
        "M/G/1: ps {ps:.6} +- {ps_half:.6} (theory {ps_theory:.6}); fifo {fifo:.6} +- {fifo_half:.6} (theory {fifo_theory:.6}); rr {rr:.6} +- {rr_half:.6}"
    );
    assert!(
        (rr - ps_theory).abs() <= rr_half + 0.05 * ps_theory,
        "rr: {rr} +- {rr_half}, ps theory {ps_theory}"
    );
}

/// The 95% intervals of `aggregate.csv` mean what they say: over 200
/// independent small M/M/1 experiments (load 0.5, 10 replications each), the
/// interval of the mean latency covers the theoretical 2ms in about 95% of
/// them. The count of covering experiments is Binomial(200, 0.95) if the
/// intervals are right: mean 190, sd 3.1; accepted: 180 to 198 (beyond 3 sd
/// either side), which a 90% or a 99% interval would fail.
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "long statistical run: use cargo test --release"
)]
fn confidence_intervals_cover_the_mm1_mean_95_percent_of_the_time() {
    use corosim::batch::{BatchOptions, TaskRows, aggregate};
    use corosim::metrics::metric::Metric;
    use corosim::scenario::Study;

    let covered = (0..200)
        .filter(|experiment| {
            let text = format!(
                r#"
name = "coverage"
seed = {experiment}
horizon = "5s"
warmup = "500ms"
replications = 10
[[policy]]
kind = "fifo"
[[task]]
name = "job"
arrival = {{ process = "poisson", rate = 500.0 }}
program = [ {{ compute = {{ exp = "1ms" }} }} ]
"#
            );
            let study = Study::from_str(&text, "coverage.toml").unwrap();
            let options = BatchOptions {
                jobs: None,
                task_rows: TaskRows::Never,
                shard: None,
                trace: false,
            };
            let result = corosim::batch::run(&study, &options).unwrap();
            let rows = aggregate(&study, &result.cells);
            let all = rows.last().unwrap().intervals[Metric::LatencyMeanS].unwrap();
            (all.mean - 0.002).abs() <= all.half_width.unwrap()
        })
        .count();
    eprintln!("95% intervals covering the M/M/1 mean: {covered} of 200");
    assert!((180..=198).contains(&covered), "{covered} of 200");
}
