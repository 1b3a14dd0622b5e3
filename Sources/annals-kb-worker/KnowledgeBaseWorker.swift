import AnnalsCLI

@main
struct KnowledgeBaseWorker {
    static func main() async {
        bootstrapLogging()
        await KnowledgeBaseWorkerCommand.main()
    }
}
