import AnnalsCLI

@main
struct MetricsWorker {
    static func main() async {
        bootstrapLogging()
        await MetricsWorkerCommand.main()
    }
}
