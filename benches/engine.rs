//! Engine throughput: tasks (and events) simulated per second of wall time.
//!
//! `cargo bench --bench engine`. Each benchmark runs one replication of a
//! scenario without task records, as `corosim run --no-tasks-csv` does, so the
//! figures include workload sampling and streaming metrics.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use corosim::batch::{self, BatchOptions, TaskRows};
use corosim::scenario::Study;

/// M/M/1 at load 0.9 (mean service 1ms), about 90,000 tasks.
const MM1: &str = r#"
name = "bench-mm1"
horizon = "100s"
[[policy]]
kind = "{kind}"
{params}
[[task]]
name = "job"
arrival = { process = "poisson", rate = 900.0 }
program = [ { compute = { exp = "1ms" } } ]
"#;

/// Round robin with a 1ms quantum on exponential 5ms bursts at load 0.9
/// (about five slices a task), about 18,000 tasks.
const RR_SLICED: &str = r#"
name = "bench-rr"
horizon = "100s"
[[policy]]
kind = "round-robin"
quantum = "1ms"
[[task]]
name = "job"
arrival = { process = "poisson", rate = 180.0 }
program = [ { compute = { exp = "5ms" } } ]
"#;

fn bench_scenario(c: &mut Criterion, name: &str, text: &str) {
    let scenario = Study::from_str(text, name).expect("benchmark scenario is valid");
    let options = BatchOptions {
        jobs: Some(1),
        task_rows: TaskRows::Never,
        shard: None,
        trace: false,
    };
    let probe = batch::run(&scenario, &options).expect("runs");
    let (tasks, events) = (probe.tasks(), probe.events());
    eprintln!(
        "{name}: {tasks} tasks, {events} events ({:.2} events per task)",
        events as f64 / tasks as f64
    );
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    group.throughput(Throughput::Elements(tasks));
    group.bench_function(name, |b| {
        b.iter(|| black_box(batch::run(&scenario, &options).expect("runs")))
    });
    group.finish();
}

fn engine(c: &mut Criterion) {
    for p in corosim::policy::POLICIES {
        let params: String = p
            .params
            .iter()
            .filter(|param| param.required)
            .map(|param| format!("{} = {}\n", param.name, param.example))
            .collect();
        let text = MM1.replace("{kind}", p.kind).replace("{params}", &params);
        bench_scenario(c, &format!("mm1-{}", p.kind), &text);
    }
    bench_scenario(c, "rr-quantum-1ms", RR_SLICED);
}

/// A sweep of 16 cells (4 loads x 2 policies x 2 replications), run with 1
/// and 2 worker threads: the parallel speed-up of a batch.
const SIXTEEN_CELLS: &str = r#"
name = "bench-batch"
horizon = "20s"
replications = 2
[[policy]]
kind = "fifo"
[[policy]]
kind = "round-robin"
quantum = "1ms"
[[task]]
name = "job"
arrival = { process = "poisson", rate = 500.0 }
program = [ { compute = { exp = "1ms" } } ]
[sweep]
load = [0.6, 0.7, 0.8, 0.9]
"#;

fn batch_parallelism(c: &mut Criterion) {
    let study = Study::from_str(SIXTEEN_CELLS, "bench-batch").expect("benchmark scenario is valid");
    assert_eq!(batch::plan(&study).len(), 16);
    let mut group = c.benchmark_group("batch-16-cells");
    group.sample_size(10);
    for jobs in [1, 2] {
        let options = BatchOptions {
            jobs: Some(jobs),
            task_rows: TaskRows::Never,
            shard: None,
            trace: false,
        };
        group.bench_function(format!("jobs-{jobs}"), |b| {
            b.iter(|| black_box(batch::run(&study, &options).expect("runs")))
        });
    }
    group.finish();
}

criterion_group!(benches, engine, batch_parallelism);
criterion_main!(benches);
