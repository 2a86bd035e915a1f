//! A task's name in every output: `class#n`, its class's name and its
//! number within the class (from 0, in arrival order).

use std::fmt;

/// A task's name, `class#n` when displayed (class names hold no `#`, so the
/// name reads back unambiguously).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskName<'a> {
    /// Its class's name.
    pub class: &'a str,
    /// Its number within the class.
    pub index: u64,
}

impl<'a> TaskName<'a> {
    /// Task `index` of class `class`.
    pub fn new(class: &'a str, index: u64) -> Self {
        TaskName { class, index }
    }
}

impl fmt::Display for TaskName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.class, self.index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_class_hash_number() {
        assert_eq!(TaskName::new("web", 12).to_string(), "web#12");
    }
}
