import AnnalsCLI

@main
struct MetricsAgentMain {
    static func main() async {
        // Reads --config, sets up logging (JSON lines unless --log-format text) and runs the command.
        await MetricsAgentCommand.launch()
    }
}
