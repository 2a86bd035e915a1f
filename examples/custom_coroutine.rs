//! A task written directly in Rust as an explicit state machine, run through
//! the engine under two policies.
//!
//! The scenario language has no branches; a hand-written coroutine can. This
//! request handler parses the request, looks it up in a cache, goes to the
//! database on a miss (30% of requests), then renders the reply:
//!
//! ```text
//! Parse --compute--> Lookup --(miss)--> Query --io--> Render --compute--> Done
//!                          \--(hit)---------------->/
//! ```
//!
//! Run it with `cargo run --release --example custom_coroutine`.

use corosim::dist::Dist;
use corosim::engine;
use corosim::metrics::summary::{SummaryRecorder, Window};
use corosim::model::{Arrival, ClassSpec, SimConfig};
use corosim::policy::{PolicyConfig, Queues, fifo, processor_sharing};
use corosim::task::{ClassId, Cx, Request, Workload};
use corosim::time::{SimDuration, SimTime};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Where a handler is in its work: each variant is a suspension point.
#[derive(Debug)]
enum Handler {
    Parse,
    Lookup,
    Query,
    Render,
    Finished,
}

/// The handler's program, shared by every task; a task's state is a `Handler`.
struct Service {
    parse: Dist,
    render: Dist,
    query: Dist,
    miss_ratio: f64,
}

impl Workload for Service {
    type Task = Handler;

    fn start(&self, _class: ClassId) -> Handler {
        Handler::Parse
    }

    fn resume(&self, task: &mut Handler, cx: &mut Cx<'_>) -> Request {
        match task {
            Handler::Parse => {
                *task = Handler::Lookup;
                Request::Compute(cx.sample(&self.parse))
            }
            Handler::Lookup => {
                // A branch the scenario language cannot express. The coin comes
                // from the task's own stream, so every policy sees the same misses.
                let miss = cx.with_rng(|rng: &mut ChaCha8Rng| rng.random_bool(self.miss_ratio));
                if miss {
                    *task = Handler::Query;
                    Request::Io {
                        device: None,
                        duration: cx.sample(&self.query),
                    }
                } else {
                    *task = Handler::Render;
                    self.resume(task, cx)
                }
            }
            Handler::Query => {
                *task = Handler::Render;
                self.resume(task, cx)
            }
            Handler::Render => {
                *task = Handler::Finished;
                Request::Compute(cx.sample(&self.render))
            }
            Handler::Finished => Request::Done,
        }
    }
}

fn main() {
    let ms = SimDuration::from_millis;
    let service = Service {
        parse: Dist::Exp {
            mean: SimDuration::from_micros(200),
        },
        render: Dist::Exp {
            mean: SimDuration::from_micros(500),
        },
        query: Dist::Uniform {
            lo: ms(2),
            hi: ms(8),
        },
        miss_ratio: 0.3,
    };
    let horizon = SimTime(SimDuration::from_secs(60).as_nanos());
    let mut config = SimConfig::new(
        horizon,
        vec![ClassSpec::new(
            "request",
            Some(Arrival::Poisson { rate: 1200.0 }),
        )],
    );
    config.seed = 42;
    let window = Window {
        warmup: SimTime::ZERO,
        horizon,
    };

    println!(
        "{:<28} {:>10} {:>12} {:>12}",
        "policy", "requests", "mean (ms)", "p99 (ms)"
    );
    for policy in [
        PolicyConfig::Fifo(fifo::Config::default()),
        PolicyConfig::Ps(processor_sharing::Config {}),
    ] {
        let mut recorder = SummaryRecorder::new(1, window, 0);
        let stats = engine::run(
            &config,
            &service,
            policy
                .build(config.cpus, config.seed, Queues::Global)
                .expect("valid policy"),
            &mut recorder,
        )
        .expect("valid workload");
        let all = recorder
            .summaries(&stats, config.cpus)
            .pop()
            .expect("the * row");
        println!(
            "{:<28} {:>10} {:>12.3} {:>12.3}",
            policy.default_label(Queues::Global),
            all.completed,
            all.latency_mean_s.unwrap_or(0.0) * 1e3,
            all.latency_p99_s.unwrap_or(0.0) * 1e3
        );
    }
}
