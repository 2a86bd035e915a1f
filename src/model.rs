//! What one run simulates, validated and resolved: the machine, the task
//! classes with their arrival processes and attributes, and the devices. The
//! engine's whole input besides the workload's programs and the policy.

mod limits;

pub use limits::{Bytes, BytesError, DeadlockOutcome, Limit, Limits};

use crate::dist::Dist;
use crate::time::{SimDuration, SimTime};

/// How tasks of a class arrive.
#[derive(Clone, Debug, PartialEq)]
pub enum Arrival {
    /// Open arrivals with exponential gaps, `rate` per second.
    Poisson {
        /// Arrivals per second.
        rate: f64,
    },
    /// One arrival every `period`, the first at `offset`.
    Periodic {
        /// Time between arrivals.
        period: SimDuration,
        /// Time of the first arrival.
        offset: SimDuration,
    },
    /// Arrivals at these instants (sorted; a time may repeat).
    At {
        /// The instants.
        times: Vec<SimDuration>,
    },
    /// `clients` clients, each submitting its next task when the previous one
    /// finishes plus a think time. Every client submits its first task at 0.
    Closed {
        /// Number of clients.
        clients: u32,
        /// Think time between a completion and the next submission.
        think: Dist,
    },
}

/// A class of tasks: how they arrive and the attributes policies read.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassSpec {
    /// The class name (`[[task]] name`).
    pub name: String,
    /// Its arrival process; `None` for classes that are only spawned or called.
    pub arrival: Option<Arrival>,
    /// Stop after this many arrivals.
    pub count: Option<u64>,
    /// Priority, lower is more urgent.
    pub priority: i32,
    /// Weight for proportional policies and fairness.
    pub weight: f64,
    /// Tickets for stride and lottery scheduling.
    pub tickets: u32,
    /// Relative deadline of each task.
    pub deadline: Option<SimDuration>,
}

impl ClassSpec {
    /// A class with default attributes and the given arrival process.
    pub fn new(name: impl Into<String>, arrival: Option<Arrival>) -> Self {
        ClassSpec {
            name: name.into(),
            arrival,
            count: None,
            priority: 0,
            weight: 1.0,
            tickets: 100,
            deadline: None,
        }
    }
}

/// An I/O device.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceSpec {
    /// Its name.
    pub name: String,
    /// How many I/Os it serves at once (`None`: unlimited).
    pub capacity: Option<u32>,
}

/// Everything one run needs besides programs and policy.
#[derive(Clone, Debug, PartialEq)]
pub struct SimConfig {
    /// Number of CPUs (workers).
    pub cpus: u32,
    /// Cost of switching a CPU to another task.
    pub context_switch: SimDuration,
    /// Arrivals stop here; the run then drains.
    pub horizon: SimTime,
    /// Tasks arriving before this are not measured.
    pub warmup: SimTime,
    /// What the run may use before it stops itself, `max_time` included.
    pub limits: Limits,
    /// The replication's seed (see `rng::replication_seed`).
    pub seed: u64,
    /// Task classes, in file order.
    pub classes: Vec<ClassSpec>,
    /// Devices, in file order.
    pub devices: Vec<DeviceSpec>,
    /// Number of distinct locks.
    pub locks: u32,
}

impl SimConfig {
    /// One CPU, no switch cost, no devices or locks, seed 0, the default limits.
    pub fn new(horizon: SimTime, classes: Vec<ClassSpec>) -> Self {
        SimConfig {
            cpus: 1,
            context_switch: SimDuration::ZERO,
            horizon,
            warmup: SimTime::ZERO,
            limits: Limits::DEFAULT,
            seed: 0,
            classes,
            devices: Vec::new(),
            locks: 0,
        }
    }
}
