use scaleplan::cost::{Catalog, Prices};
use scaleplan::model::Stage;
use scaleplan::plan::{plan_stage, Inputs};
use scaleplan::workload::{Targets, Workload};
fn main() {
    let (targets, catalog, prices, stages) = (Targets::builtin(), Catalog::builtin(), Prices::builtin(), Stage::builtin());
    for s in &stages {
        let mut line = String::new();
        let t0 = std::time::Instant::now();
        let mut n = 0;
        for i in 0..=120 {
            let users = 10f64.powf(i as f64 / 10.0);
            let mut w = Workload::builtin();
            w.users = users;
            let inputs = Inputs { workload: &w, targets: &targets, catalog: &catalog, prices: &prices };
            let p = plan_stage(&inputs, s).unwrap();
            n += 1;
            line.push(if p.meets_slo { 'M' } else if p.feasible { 'f' } else { '.' });
        }
        println!("{:15} {} {:?}/plan", s.id, line, t0.elapsed() / n);
    }
}
