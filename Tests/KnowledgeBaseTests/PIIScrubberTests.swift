import KnowledgeBase
import Testing

@Suite struct PIIScrubberTests {
    // MARK: Positive cases, one table per kind: (input, exact expected output).

    @Test(arguments: [
        ("Write to alice@example.com today.", "Write to [EMAIL] today."),
        ("<bob.smith+annals@mail.example.co.uk>", "<[EMAIL]>"),
        ("ask x_y-z@ex-ample.org.", "ask [EMAIL]."),
        ("(mira.k99@post.frostfall.example)", "([EMAIL])"),
        ("mailto:VELL@EMBER.IO, then", "mailto:[EMAIL], then"),
        ("“zoë@example.fr”", "“[EMAIL]”"),
        ("Éloïse.d@exämple.fr — “ok”", "[EMAIL] — “ok”"),
        ("—john@x.com", "—[EMAIL]"),
    ])
    func emailsAreReplaced(input: String, expected: String) {
        expectScrubbed(input, to: expected, kind: .email)
    }

    @Test(arguments: [
        ("call +44 20 7946 0958.", "call [PHONE]."),
        ("tel: +1 (555) 123-4567", "tel: [PHONE]"),
        ("+44 (0)20 7946 0958 any time", "[PHONE] any time"),
        ("+33 1 23 45 67 89", "[PHONE]"),
        ("+4915112345678!", "[PHONE]!"),
        ("+1-202-555-0147", "[PHONE]"),
        ("office 555-123-4567 or", "office [PHONE] or"),
        ("office 555.123.4567", "office [PHONE]"),
        ("(555) 123-4567", "[PHONE]"),
        ("toll free 1-800-555-0199.", "toll free [PHONE]."),
        ("London 020 7946 0958", "London [PHONE]"),
        ("Paris 06 12 34 56 78", "Paris [PHONE]"),
        ("Lyon 04.72.00.00.00", "Lyon [PHONE]"),
        ("Berlin (030) 1234 5678", "Berlin [PHONE]"),
        ("tel 020 7946 0958 1 time", "tel [PHONE] 1 time"),
    ])
    func phoneNumbersAreReplaced(input: String, expected: String) {
        expectScrubbed(input, to: expected, kind: .phone)
    }

    @Test(arguments: [
        ("card 4111 1111 1111 1111 ok", "card [PAYMENT_CARD] ok"),
        ("card 4111-1111-1111-1111.", "card [PAYMENT_CARD]."),
        ("4111111111111111", "[PAYMENT_CARD]"),
        ("MC 5555555555554444,", "MC [PAYMENT_CARD],"),
        ("MC 2223 0031 2200 3222", "MC [PAYMENT_CARD]"),
        ("Amex 378282246310005", "Amex [PAYMENT_CARD]"),
        ("Amex 3782 822463 10005", "Amex [PAYMENT_CARD]"),
        ("Discover 6011 1111 1111 1117", "Discover [PAYMENT_CARD]"),
        ("JCB 3530111333300000", "JCB [PAYMENT_CARD]"),
        ("13 digits 4222222222222", "13 digits [PAYMENT_CARD]"),
        ("19 digits 4000 0000 0000 0000 006", "19 digits [PAYMENT_CARD]"),
        ("4111 1111 1111 1111 2 days ago", "[PAYMENT_CARD] 2 days ago"),
    ])
    func luhnValidCardNumbersAreReplaced(input: String, expected: String) {
        expectScrubbed(input, to: expected, kind: .paymentCard)
    }

    @Test(arguments: [
        ("from 10.0.0.1 to", "from [IPV4] to"),
        ("192.168.1.254:8080", "[IPV4]:8080"),
        ("subnet 172.16.0.0/12.", "subnet [IPV4]/12."),
        ("(8.8.8.8)", "([IPV4])"),
        ("broadcast 255.255.255.255.", "broadcast [IPV4]."),
        ("0.0.0.0", "[IPV4]"),
    ])
    func ipv4AddressesAreReplaced(input: String, expected: String) {
        expectScrubbed(input, to: expected, kind: .ipv4)
    }

    @Test(arguments: [
        ("host 2001:0db8:85a3:0000:0000:8a2e:0370:7334 up", "host [IPV6] up"),
        ("2001:db8::1", "[IPV6]"),
        ("loopback ::1.", "loopback [IPV6]."),
        ("fe80::1%eth0", "[IPV6]%eth0"),
        ("prefix 2001:db8:: ends", "prefix [IPV6] ends"),
        ("::ffff:192.0.2.128", "[IPV6]"),
        ("[2001:db8::ff00:42:8329]:443", "[[IPV6]]:443"),
        ("FE80:0000:0000:0000:0202:B3FF:FE1E:8329", "[IPV6]"),
    ])
    func ipv6AddressesAreReplaced(input: String, expected: String) {
        expectScrubbed(input, to: expected, kind: .ipv6)
    }

    @Test(arguments: [
        ("SSN 123-45-6789.", "SSN [NATIONAL_ID]."),
        ("ssn: 078-05-1120,", "ssn: [NATIONAL_ID],"),
        ("NI AB123456C", "NI [NATIONAL_ID]"),
        ("NI AB 12 34 56 C please", "NI [NATIONAL_ID] please"),
        ("SIN 130-692-544", "SIN [NATIONAL_ID]"),
    ])
    func nationalIDsAreReplaced(input: String, expected: String) {
        expectScrubbed(input, to: expected, kind: .nationalID)
    }

    @Test(arguments: [
        ("key AKIAIOSFODNN7EXAMPLE used", "key [CLOUD_ACCESS_KEY] used"),
        ("ASIAY34FZKBOKMUTVV7A", "[CLOUD_ACCESS_KEY]"),
        (
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "aws_secret_access_key = [CLOUD_ACCESS_KEY]"
        ),
        (
            "AWS_SECRET_ACCESS_KEY=\"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"",
            "AWS_SECRET_ACCESS_KEY=\"[CLOUD_ACCESS_KEY]\""
        ),
        (
            "\"SecretAccessKey\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\",",
            "\"SecretAccessKey\": \"[CLOUD_ACCESS_KEY]\","
        ),
        (
            "secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "secret_access_key: [CLOUD_ACCESS_KEY]"
        ),
        ("maps AIzaSyD-EXAMPLEkey1234567890abcdefghijk.", "maps [CLOUD_ACCESS_KEY]."),
        ("token ghp_EXAMPLE0123456789abcdefghijklmnopqrs", "token [CLOUD_ACCESS_KEY]"),
        ("github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "[CLOUD_ACCESS_KEY]"),
        ("xoxb-123456789012-1234567890123-EXAMPLEtoken", "[CLOUD_ACCESS_KEY]"),
        ("slack xoxp-1234567890-abcdef-", "slack [CLOUD_ACCESS_KEY]-"),
    ])
    func cloudAccessKeysAreReplaced(input: String, expected: String) {
        expectScrubbed(input, to: expected, kind: .cloudAccessKey)
    }

    // MARK: Precision.

    @Test(arguments: [
        "On 12/03/1247 the guild paid 1,200 gold",
        "quest #4512",
        "Chapter 3.2.1",
        "the 1st of Frostfall, year 1203",
        "version-like v2.0.4 and v1.2.3.4",
        "four-part numbers: version 1.0.0.0, Chapter 1.2.3.4, ver. 2.1.0.9",
        "an unlabelled 40-character string wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "secret: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "European thousands 1.200.300.400 and 12.000.000.000 gold",
        "room 101",
        "times 14:30, 09:15:30 and 23:59:59",
        "coordinates (12, -40)",
        "1. riders 2. wagons 3. engines; 1st, 2nd, 3rd",
        "dates 2024-01-15, 15.01.2024, 01.02.1247, 01-02-1247",
        "a dotted number 1.2.3.4.5 and 256.1.1.1 and 010.1.1.1",
        "a lone :: and A::B and Scholar::Rank",
        "MAC 00:1a:2b:3c:4d:5e",
        "area 000-12-3456, 666-12-3456 and 900-12-3456, group 123-00-4567",
        "ISBN 978-3-16-148410-0",
        "serial 1234567890 and 1 200 000 grains",
        "+12 strength, -3 agility, +5 to hit",
        "call 555 1234 or 12345",
        "user@localhost and @handle and name at example dot com",
        "AKIA123 and ghp_short and AIzaShort and xoxb-12",
        "aws_secret_access_key = tooShort",
        "prices 3.50 and 4,25 silver, 12,500 arrows, 1,000,000 crowns",
        "ratio 3:1 and 16:9",
        "NI-like QQ123456C and AB123456E",
        "Zoë d’Aubigné — “1,000,000 crowns” — 世界",
    ])
    func ordinaryTextIsUnchanged(input: String) {
        let scrubbed = PIIScrubber.scrub(input)
        #expect(scrubbed.text == input)
        #expect(scrubbed.counts.isEmpty)
    }

    @Test(arguments: [
        "4111 1111 1111 1112",
        "4111-1111-1111-1112",
        "4111111111111112",
        "5555555555554445",
        "3782 822463 10006",
        "4111 1111 1111 1111 111",
    ])
    func luhnInvalidCardNumbersAreUntouched(input: String) {
        let scrubbed = PIIScrubber.scrub(input)
        if input == "4111 1111 1111 1111 111" {
            // 19 digits, Luhn-invalid as a whole: only the valid 16-digit head is a card.
            #expect(scrubbed.text == "[PAYMENT_CARD] 111")
        } else {
            #expect(scrubbed.text == input)
            #expect(scrubbed.counts.isEmpty)
        }
    }

    // MARK: Counts, idempotence.

    @Test func countsArePerKindAndOnlyForKindsFound() {
        let input = "a@example.com, b@example.org, 10.0.0.1, 555-123-4567, 4111111111111111, 2001:db8::1"
        let scrubbed = PIIScrubber.scrub(input)
        #expect(scrubbed.counts == [.email: 2, .ipv4: 1, .phone: 1, .paymentCard: 1, .ipv6: 1])
        #expect(scrubbed.text == "[EMAIL], [EMAIL], [IPV4], [PHONE], [PAYMENT_CARD], [IPV6]")
    }

    @Test func placeholdersNameTheirKind() {
        #expect(PIIKind.allCases.map(\.placeholder) == [
            "[EMAIL]", "[PHONE]", "[PAYMENT_CARD]", "[IPV4]", "[IPV6]", "[NATIONAL_ID]", "[CLOUD_ACCESS_KEY]",
        ])
    }

    @Test(arguments: [PIICorpus.plantedInput, PIICorpus.clean, "4111111111111111 5555555555554444"])
    func scrubbingScrubbedTextChangesNothing(input: String) {
        let once = PIIScrubber.scrub(input)
        let twice = PIIScrubber.scrub(once.text)
        #expect(twice.text == once.text)
        #expect(twice.counts.isEmpty)
    }

    // MARK: Corpora.

    @Test func plantedCorpusLosesEveryValueAndKeepsTheNarrative() {
        let scrubbed = PIIScrubber.scrub(PIICorpus.plantedInput)
        #expect(scrubbed.text == PIICorpus.plantedExpected)
        #expect(scrubbed.counts == PIICorpus.plantedCounts)
        #expect(scrubbed.counts.values.reduce(0, +) == 22)
        #expect(Set(scrubbed.counts.keys) == Set(PIIKind.allCases))
    }

    @Test func cleanCorpusIsByteIdentical() {
        let scrubbed = PIIScrubber.scrub(PIICorpus.clean)
        #expect(Array(scrubbed.text.utf8) == Array(PIICorpus.clean.utf8))
        #expect(scrubbed.counts.isEmpty)
    }

    @Test func emptyTextScrubsToEmpty() {
        #expect(PIIScrubber.scrub("") == ScrubbedText(text: "", counts: [:]))
    }

    /// A sanity run, not a benchmark: tests build in debug, where the scanner is far slower
    /// than in release (about 20 ms per MB there).
    @Test func oneMegabyteScrubsInLinearTime() {
        let page = PIICorpus.plantedInput + PIICorpus.clean + "\n"
        let copies = 1_048_576 / page.utf8.count + 1
        let input = String(repeating: page, count: copies)
        let clock = ContinuousClock()
        var scrubbed = ScrubbedText(text: "", counts: [:])
        let elapsed = clock.measure { scrubbed = PIIScrubber.scrub(input) }
        #expect(input.utf8.count >= 1_048_576)
        #expect(scrubbed.counts == PIICorpus.plantedCounts.mapValues { $0 * copies })
        #expect(elapsed < .seconds(10))
    }

    private func expectScrubbed(
        _ input: String, to expected: String, kind: PIIKind, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let scrubbed = PIIScrubber.scrub(input)
        #expect(scrubbed.text == expected, sourceLocation: sourceLocation)
        let placeholders = expected.ranges(of: kind.placeholder).count
        #expect(scrubbed.counts == [kind: placeholders], sourceLocation: sourceLocation)
    }
}
