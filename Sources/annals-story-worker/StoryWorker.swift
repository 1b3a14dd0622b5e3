import AnnalsCLI

@main
struct StoryWorker {
    static func main() async {
        bootstrapLogging()
        await StoryWorkerCommand.main()
    }
}
