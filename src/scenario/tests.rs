use super::*;

const REST: &str = r#"
[[policy]]
kind = "fifo"

[[task]]
name = "a"
arrival = { process = "poisson", rate = 10.0 }
program = [ { compute = "1ms" } ]
"#;

#[test]
fn probe() {
    let cases: Vec<String> = vec![
        format!("horizon = \"1s\"\ncolour = \"red\"\n{REST}"),
        format!("horizon = \"1s\"\n[machine]\ncpus = 1\nspeed = 2\n{REST}"),
        format!("horizon = \"1s\"\n[machine]\ncpus = \"four\"\n{REST}"),
        format!("horizon = \"5\"\n{REST}"),
        format!("horizon = \"-1ms\"\n{REST}"),
        format!("horizon = \"0s\"\n{REST}"),
        format!("horizon = \"1s\"\nwarmup = \"1s\"\n{REST}"),
        "horizon = \"1s\"\n[[policy]]\nkind = \"fifo\"\n[[task]]\nname = \"a\"\narrival = { process = \"poisson\", rate = \"fast\" }\nprogram = [ { compute = \"1ms\" } ]\n".to_string(),
        "horizon = \"1s\"\n[[policy]]\nkind = \"fifo\"\n[[task]]\nname = \"a\"\narrival = { process = \"poisson\", rate = 1.0, burst = 3 }\nprogram = [ { compute = \"1ms\" } ]\n".to_string(),
        "horizon = \"1s\"\n[[policy]]\nkind = \"fifo\"\n[[task]]\nname = \"a\"\narrival = { process = \"poisson\", rate = 1.0 }\nprogram = [ { compute = \"1ms\", colour = 3 } ]\n".to_string(),
        "horizon = \"1s\"\n[[policy]]\nkind = \"fifo\"\n[[task]]\nname = \"a\"\narrival = { process = \"poisson\", rate = 1.0 }\nprogram = [\n  { compute = \"1ms\", sleep = \"1ms\" },\n]\n".to_string(),
        "horizon = \"1s\"\n[[policy]]\nkind = \"fifo\"\n[[task]]\nname = \"a\"\narrival = { process = \"poisson\", rate = 1.0 }\nprogram = [\n  \"wait\",\n]\n".to_string(),
        "horizon = \"1s\"\n[[policy]]\nkind = \"fifo\"\n[[task]]\nname = \"a\"\narrival = { process = \"poisson\", rate = 1.0 }\nprogram = [\n  { compute = { exp = \"0s\" } },\n]\n".to_string(),
        "horizon = \"1s\"\n[[policy]]\nkind = \"fifo\"\n[[task]]\nname = \"a\"\narrival = { process = \"poisson\", rate = 1.0 }\nprogram = [\n  { compute = \"5\" },\n]\n".to_string(),
        "horizon = \"1s\"\n[[policy]]\nkind = \"fifo\"\nquantum = \"1ms\"\n[[task]]\nname = \"a\"\narrival = { process = \"poisson\", rate = 1.0 }\nprogram = [ \"yield\" ]\n".to_string(),
        "horizon = \"1s\"\n[[policy]]\nkind = \"fifo\"\nspeed = 1\n[[task]]\nname = \"a\"\narrival = { process = \"poisson\", rate = 1.0 }\nprogram = [ \"yield\" ]\n".to_string(),
        "horizon = \"1s\"\n[[policy]]\nkind = \"fifo\"\n[[task]]\nname = \"a\"\nspeed = 1\narrival = { process = \"poisson\", rate = 1.0 }\nprogram = [ \"yield\" ]\n".to_string(),
        "horizon = \"1s\"\n[sweep]\nload = [0.3]\n[[policy]]\nkind = \"fifo\"\n[[task]]\nname = \"a\"\narrival = { process = \"poisson\", rate = 1.0 }\nprogram = [ \"yield\" ]\n".to_string(),
        "horizon = \"1s\"\n[[policy]]\nkind = \"fifo\"\n[[task]]\nname = \"a\"\narrival = { process = \"poisson\", rate = 1.0 }\nprogram = []\n".to_string(),
        "horizon = \"1s\"\n[[policy]]\nkind = \"fifo\"\n[[task]]\nname = \"a\"\narrival = { process = \"poisson\", rate = 1.0 }\nprogram = [\n  { repeat = 2, body = [ { compute = { uniform = [\"5ms\", \"1ms\"] } } ] },\n]\n".to_string(),
    ];
    for c in cases {
        match Scenario::from_str(&c, "bad.toml") {
            Ok(_) => println!("OK\n{c}\n"),
            Err(e) => println!("{:?} {:?}\n{e}\n", e.location, e.message),
        }
    }
}
