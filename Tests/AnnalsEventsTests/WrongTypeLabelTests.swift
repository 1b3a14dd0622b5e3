import AnnalsEvents
import Testing

/// A producer's `annals-type` header is quoted in the dead letter's error: readable, whatever bytes it holds (issue 13).
@Suite struct WrongTypeLabelTests {
    @Test(arguments: [
        ("annals.v1.MetricSample", "annals.v1.MetricSample"),
        ("annals.v1.Story\u{1B}[2J\u{0}Event", #"annals.v1.Story\u{1B}[2J\u{0}Event"#),
        ("annals.v1.\u{202E}tnevEyrotS", #"annals.v1.\u{202E}tnevEyrotS"#),
        ("zero\u{200B}width\u{85}next\u{2028}line", #"zero\u{200B}width\u{85}next\u{2028}line"#),
        ("bytes \u{FFFD}\u{FFFD}", #"bytes \u{FFFD}\u{FFFD}"#),
        ("Ωmega é 漢字", "Ωmega é 漢字"),
    ])
    func labelsAreQuotedPrintable(label: String, quoted: String) {
        let error = EventDecodingError.wrongType(topic: .storyEvent, declared: label)
        #expect(error.description == "topic story-event carries annals.v1.StoryEvent but the message is labelled \(quoted)")
    }

    @Test func aHugeLabelIsCut() {
        let label = "annals.v1." + String(repeating: "X", count: 65_000)
        let description = EventDecodingError.wrongType(topic: .metricSample, declared: label).description
        #expect(description.hasSuffix("labelled annals.v1." + String(repeating: "X", count: 110) + "… (65010 bytes)"))
    }
}
