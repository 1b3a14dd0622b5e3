import AnnalsCLI

@main
struct ScalingWorker {
    static func main() async {
        bootstrapLogging()
        await ScalingWorkerCommand.main()
    }
}
