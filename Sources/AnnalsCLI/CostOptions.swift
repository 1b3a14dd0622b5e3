import AnnalsMetrics
import ArgumentParser

/// What the metrics worker prices the fleet with, for its cost gauges and the run-rate alert.
struct CostOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "A JSON price table laid over the built-in one (see annals backtest --help) (default: $ANNALS_PRICES_FILE).",
        valueName: "file"))
    var prices: String?

    @Option(help: ArgumentHelp(
        "The fleet's hourly budget in US dollars, shown as annals_fleet_cost_budget_dollars_per_hour for the cost "
            + "alert (default: $ANNALS_HOURLY_BUDGET; none: no budget gauge, the alert stays quiet).",
        valueName: "dollars"))
    var hourlyBudget: Double?

    /// The environment variables standing for these options (see `WorkerCommand`).
    static let environmentVariables: [String: [String]] = [
        "prices": ["ANNALS_PRICES_FILE"], "hourly-budget": ["ANNALS_HOURLY_BUDGET"],
    ]

    func validate() throws {
        if let hourlyBudget, !(hourlyBudget.isFinite && hourlyBudget > 0) {
            throw ValidationError("--hourly-budget must be a positive number of dollars, not \(hourlyBudget)")
        }
    }

}
