#!/usr/bin/env python3
"""The capacity cost analysis of docs/cost-report.md, from the shipped load traces (Samples/load-traces), printed as
Markdown tables. Every figure comes from `annals backtest --json` (the autoscaling policy replayed over the trace,
capacity priced as the policy splits it between spot and on demand, at the built-in us-east-1 prices or --prices);
the Savings Plan rows apply --savings-plan-discount to the on-demand hours a commitment would cover.

  dev/cost-report [--annals .build/debug/annals] [--prices FILE] [--savings-plan-discount 0.28]

Runs one backtest per row (about 30 in all, a few seconds each).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRACES = ROOT / "Samples/load-traces"
STEADY = ["players-100", "players-500", "players-1000", "players-5000", "players-10000"]
SHAPED = ["ramp-100-to-10000", "spike"]
TIERS = ["gold", "silver", "bronze"]


def backtest(annals, trace, prices=None, policy=None, delay=0):
    command = [annals, "backtest", "--file", str(TRACES / f"{trace}.jsonl"), "--json", "--provisioning-delay", str(delay)]
    if prices:
        command += ["--prices", prices]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(policy or {}, file)
    try:
        run = subprocess.run(command + ["--policy", file.name], capture_output=True, text=True)
    finally:
        os.unlink(file.name)
    if run.returncode != 0:
        sys.exit(f"dev/cost-report: {' '.join(command)} failed: {run.stderr.strip()}")
    return json.loads(run.stdout)


def trace_hours(trace):
    """The trace's length in hours: its first sample to its last."""
    times = [json.loads(line)["sampledAt"] for line in (TRACES / f"{trace}.jsonl").read_text().splitlines() if line.strip()]
    first, last = (datetime.fromisoformat(t.replace("Z", "+00:00")) for t in (min(times), max(times)))
    return (last - first).total_seconds() / 3600


def money(value):
    return f"${value:,.2f}"


def percent(part, whole):
    return f"{100 * (1 - part / whole):.0f}%" if whole else "n/a"


def breaches(report):
    """How many breaches (demand above capacity beyond the tolerance) the tiers had, and the longest, in minutes."""
    lengths = [breach["minutes"] for tier in report["tiers"] for breach in tier["breaches"]]
    return len(lengths), max(lengths, default=0)


def under_target(report):
    return sum(tier["minutesUnderTarget"] for tier in report["tiers"])


def provisioned(report):
    made = sum(tier["instanceMinutesProvisioned"] for tier in report["tiers"])
    needed = sum(tier["instanceMinutesNeeded"] for tier in report["tiers"])
    return made, needed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--annals", default=str(Path(os.environ.get("ANNALS_BIN_DIR", ROOT / ".build/debug")) / "annals"))
    parser.add_argument("--prices", help="a JSON price table laid over the built-in one (annals backtest --help)")
    parser.add_argument("--savings-plan-discount", type=float, default=0.28,
                        help="the Savings Plan's discount on on-demand rates (default 0.28: a typical 1-year, "
                             "no-upfront EC2 Instance Savings Plan rate for G5; use yours)")
    args = parser.parse_args()
    if not Path(args.annals).exists():
        sys.exit(f"dev/cost-report: {args.annals} does not exist: run `swift build` first, or give --annals")
    command = "dev/cost-report" + (f" --prices {args.prices}" if args.prices else "")

    print(f"<!-- {command}: every table below -->\n")
    print("### Cost per trace\n")
    print("| trace | hours | player-hours | gold | silver | bronze | total | per hour | a 30-day month at that rate | "
          "per 1,000 player-hours | all on demand | spot saves | each tier at its peak | the policy saves |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    base = {}
    for trace in STEADY + SHAPED:
        report = backtest(args.annals, trace, args.prices)
        base[trace] = report
        cost = report["cost"]
        by_tier = {tier["tier"]: tier["cost"]["dollars"] for tier in report["tiers"]}
        length = trace_hours(trace)
        print(f"| {trace} | {length:.2f} | {cost['playerHours']:,.0f} | " + " | ".join(money(by_tier.get(t, 0)) for t in TIERS)
              + f" | {money(cost['dollars'])} | {money(cost['dollars'] / length)} | "
                f"{money(720 * cost['dollars'] / length)} | {money(cost['dollarsPerThousandPlayerHours'])} | "
                f"{money(cost['dollarsAllOnDemand'])} | {percent(cost['dollars'], cost['dollarsAllOnDemand'])} | "
                f"{money(cost['dollarsAtPeak'])} | {percent(cost['dollars'], cost['dollarsAtPeak'])} |")

    print("\n### Spot share\n")
    print("The policy's spotShare of the desired capacity runs on spot (rounded down; at least minOnDemand, 1, on "
          "demand).\n")
    print("| trace | spotShare | cost | spot hours | on-demand hours | per 1,000 player-hours |")
    print("|---|---:|---:|---:|---:|---:|")
    for trace in SHAPED:
        for share in (0.0, 0.5, 0.8, 0.9):
            report = backtest(args.annals, trace, args.prices, {"spotShare": share})
            cost = report["cost"]
            print(f"| {trace} | {share} | {money(cost['dollars'])} | {cost['spotHours']:.1f} | "
                  f"{cost['onDemandHours']:.1f} | {money(cost['dollarsPerThousandPlayerHours'])} |")

    print("\n### The scale-in window\n")
    print("| trace | scaleInWindowMinutes | cost | instance-minutes provisioned / needed | minutes under target | "
          "breaches (longest, min) |")
    print("|---|---:|---:|---:|---:|---:|")
    for trace in SHAPED:
        for window in (5, 10, 15, 30):
            report = backtest(args.annals, trace, args.prices, {"scaleInWindowMinutes": window})
            made, needed = provisioned(report)
            count, slowest = breaches(report)
            print(f"| {trace} | {window} | {money(report['cost']['dollars'])} | {made:,} / {needed:,} "
                  f"({100 * made / max(1, needed):.0f}%) | {under_target(report)} | {count} ({slowest}) |")

    print("\n### The provisioning delay\n")
    print("Instances bill from launch; the delay holds them back from serving. The same trace asks for the same "
          "instances, so the bill stays and what changes is what it buys.\n")
    print("| trace | --provisioning-delay (min) | cost | paid while booting (instance-hours, share of the bill) | "
          "minutes under target | breaches (longest, min) |")
    print("|---|---:|---:|---:|---:|---:|")
    for trace in SHAPED:
        for delay in (0, 2, 4, 6):
            report = backtest(args.annals, trace, args.prices, delay=delay)
            count, slowest = breaches(report)
            cost = report["cost"]
            billed_minutes = 60 * (cost["spotHours"] + cost["onDemandHours"])
            serving_minutes = sum(tier["instanceMinutesProvisioned"] for tier in report["tiers"])
            booting = max(0.0, billed_minutes - serving_minutes) / 60
            print(f"| {trace} | {delay} | {money(cost['dollars'])} | {booting:.1f} "
                  f"({100 * booting / max(1e-9, billed_minutes / 60):.0f}%) | {under_target(report)} | {count} ({slowest}) |")

    print(f"\n### A Savings Plan ({args.savings_plan_discount:.0%} off on-demand rates, on-demand hours only)\n")
    print("A plan covers on-demand usage up to its hourly commitment; spot is never covered. The commitment here is "
          "the on-demand instances every tier always runs (minOnDemand, 1 each): certain to be used, so none of it "
          "is wasted.\n")
    print("| trace | hours | on-demand spend | committed (3 instances) | saved | cost with the plan | change |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for trace in STEADY + SHAPED:
        report, length = base[trace], trace_hours(trace)
        on_demand = sum(tier["cost"]["onDemandHours"] * tier["onDemandPerHour"] for tier in report["tiers"])
        committed = min(on_demand, sum(length * tier["onDemandPerHour"] for tier in report["tiers"]))
        saved = committed * args.savings_plan_discount
        total = report["cost"]["dollars"]
        print(f"| {trace} | {length:.2f} | {money(on_demand)} | {money(committed)} | {money(saved)} | "
              f"{money(total - saved)} | -{100 * saved / total:.1f}% |")


if __name__ == "__main__":
    main()
