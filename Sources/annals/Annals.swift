import AnnalsCLI

@main
struct Annals {
    static func main() async {
        bootstrapLogging()
        await AnnalsCommand.launch()
    }
}
