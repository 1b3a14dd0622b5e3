import KnowledgeBase

/// Corpus fixtures for the PII scrubber tests: a chronicle page with planted PII, and
/// clean lore that must come through untouched.
enum PIICorpus {
    /// A piece of the planted corpus: narrative that must survive byte for byte, or a PII
    /// value that must become its kind's placeholder.
    enum Segment: Sendable {
        case narrative(String)
        case pii(PIIKind, String)
    }

    /// A chronicle page with 22 planted values of every kind between ordinary narrative.
    static let planted: [Segment] = [
        .narrative("""
            The Chronicle of Ember Hold, Chapter 3.2.1 — as set down by Archivist Vell.

            On 12/03/1247 the guild paid 1,200 gold to settle quest #4512. The quartermaster, \
            who signs as
            """),
        .narrative(" "),
        .pii(.email, "vell.archivist+ledger@emberhold.example.org"),
        .narrative(", wrote that the ravens from "),
        .pii(.ipv4, "192.168.10.254"),
        .narrative(" and from "),
        .pii(.ipv6, "2001:db8:85a3::8a2e:370:7334"),
        .narrative(" had all come home by 14:30.\n\nFor the Frostfall fair (the 1st of Frostfall, year 1203) "),
        .narrative("the stalls took orders at "),
        .pii(.phone, "+44 20 7946 0958"),
        .narrative(" and, for travellers from the west, "),
        .pii(.phone, "(555) 123-4567"),
        .narrative(". A merchant paid with card "),
        .pii(.paymentCard, "4111 1111 1111 1111"),
        .narrative(", another with "),
        .pii(.paymentCard, "5555-5555-5555-4444"),
        .narrative("; a third card, 4111 1111 1111 1112, was refused as forged.\n\n"),
        .narrative("Room 101 of the tower holds the registry: "),
        .pii(.nationalID, "123-45-6789"),
        .narrative(" for the smith, "),
        .pii(.nationalID, "AB123456C"),
        .narrative(" for the cartographer and "),
        .pii(.nationalID, "130-692-544"),
        .narrative(" for the ferryman. Version v2.0.4 of the registry lists coordinates (12, -40).\n\n"),
        .narrative("The scribes' vault answered to key "),
        .pii(.cloudAccessKey, "AKIAIOSFODNN7EXAMPLE"),
        .narrative(" with\naws_secret_access_key = "),
        .pii(.cloudAccessKey, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        .narrative("\nand the heralds used "),
        .pii(.cloudAccessKey, "AIzaSyD-EXAMPLEkey1234567890abcdefghijk"),
        .narrative(", "),
        .pii(.cloudAccessKey, "ghp_EXAMPLE0123456789abcdefghijklmnopqrs"),
        .narrative(" and "),
        .pii(.cloudAccessKey, "xoxb-123456789012-1234567890123-EXAMPLEtoken"),
        .narrative(".\n\nLetters also reached "),
        .pii(.email, "mira_k@post.frostfall.example"),
        .narrative(" (replies to "),
        .pii(.phone, "+1 (555) 010-0199"),
        .narrative(" or "),
        .pii(.phone, "06 12 34 56 78"),
        .narrative("), while the gatehouse logged "),
        .pii(.ipv4, "10.0.0.7"),
        .narrative(":8080, "),
        .pii(.ipv6, "fe80::1"),
        .narrative("%eth0 and "),
        .pii(.ipv6, "::ffff:192.0.2.128"),
        .narrative(". The last ledger line reads: card "),
        .pii(.paymentCard, "378282246310005"),
        .narrative(", paid in full — 350 gold, quest #4513, at 09:15.\n"),
    ]

    /// The planted corpus as stored before scrubbing.
    static var plantedInput: String {
        planted.map {
            switch $0 {
            case .narrative(let text), .pii(_, let text): text
            }
        }.joined()
    }

    /// The planted corpus as it must come out: narrative untouched, PII as placeholders.
    static var plantedExpected: String {
        planted.map {
            switch $0 {
            case .narrative(let text): text
            case .pii(let kind, _): kind.placeholder
            }
        }.joined()
    }

    /// Planted values per kind.
    static var plantedCounts: [PIIKind: Int] {
        var counts: [PIIKind: Int] = [:]
        for case .pii(let kind, _) in planted { counts[kind, default: 0] += 1 }
        return counts
    }

    /// Fantasy lore with dates, quest numbers, prices, chapters, times and versions, and no PII.
    static let clean = """
        Book II, Chapter 7.3 — The Siege of Harrowgate

        On 12/03/1247 the guild paid 1,200 gold to the sellswords of Lady Ysolde, and a further \
        350 gold on the 1st of Frostfall, year 1203. Quest #4512 ("The Salt Road") was marked \
        complete at 14:30; quest #4513 opened at 09:15:30 the next morning. The ledger, edition \
        v2.0.4 (revised 3.2.1), records 12,500 arrows, 1 200 000 grains of barley and 42 barrels.

        The tower guard in room 101 watched the ridge at coordinates (12, -40) and again at \
        (-7, 133). Scouts counted 1. riders, 2. wagons, 3. siege engines, then 1st, 2nd and 3rd \
        banners. The bridge toll rose from 3.50 to 4.25 silver; 2024-01-15 is the day the \
        almanac gives for the thaw, or 15.01.2024 in the northern reckoning, 01.02.1247 in the old.

        Ratios of 3:1 and 16:9 governed the muster; the bells struck 12:00, 18:45 and 23:59:59. \
        Versions 1.2.3 and 10.4.12 of the Codex disagree about the year 1204–1205, and the \
        archivist Zoë d’Aubigné wrote “1,000,000 crowns” in the margin of page 1,247. A phrase \
        like A::B or the Scholar::Rank notation stays, as do ISBN 978-3-16-148410-0, the serial \
        1234567890, and the line +12 strength, -3 agility, +5 to hit. Wagons 000-12-3456 and \
        900-12-3456 belong to the caravan code, not to any person. Call sign 555 1234.
        """
}
