import AnnalsEvents
import SwiftProtobuf
import Testing

@Suite struct TopicDecodingTests {
    static func validStoryEvent() -> StoryEvent {
        var event = StoryEvent()
        event.meta.eventID = "evt-1"
        event.meta.occurredAt = Google_Protobuf_Timestamp(seconds: 1_700_000_000)
        event.worldID = "world-1"
        event.sequence = 1
        event.kind = "quest-completed"
        return event
    }

    @Test func validEventRoundTripsThroughBinary() throws {
        let bytes = try Self.validStoryEvent().serializedBytes() as [UInt8]
        let decoded = try AnnalsTopic.storyEvent.decode(binary: bytes)
        #expect(decoded == .storyEvent(Self.validStoryEvent()))
        #expect(decoded.key == "world-1")
    }

    @Test func jsonLineDecodes() throws {
        let json = #"{"meta":{"eventId":"e","occurredAt":"2026-01-01T00:00:00Z"},"worldId":"w","sequence":"3","kind":"k","payload":{"gold":12}}"#
        guard case .storyEvent(let event) = try AnnalsTopic.storyEvent.decode(json: json) else {
            Issue.record("decoded to the wrong case")
            return
        }
        #expect(event.sequence == 3)
        #expect(event.payload.fields["gold"]?.numberValue == 12)
    }

    enum Breakage: String, CaseIterable, Sendable {
        case missingEventID, emptyWorld, zeroSequence, noMeta, noTime, controlInWorld, c1ControlInEventID

        func apply(to event: inout StoryEvent) {
            switch self {
            case .missingEventID: event.meta.eventID = ""
            case .emptyWorld: event.worldID = ""
            case .zeroSequence: event.sequence = 0
            case .noMeta: event.clearMeta()
            case .noTime: event.meta.clearOccurredAt()
            case .controlInWorld: event.worldID = "world\u{1B}[31m"
            case .c1ControlInEventID: event.meta.eventID = "evt\u{85}"
            }
        }

        var expectedMessage: String {
            switch self {
            case .missingEventID: "meta.event_id is empty"
            case .emptyWorld: "world_id is empty"
            case .zeroSequence: "sequence must be 1 or more"
            case .noMeta: "meta is missing"
            case .noTime: "meta.occurred_at is missing"
            case .controlInWorld: "world_id contains control characters"
            case .c1ControlInEventID: "meta.event_id contains control characters"
            }
        }
    }

    @Test(arguments: Breakage.allCases)
    func invalidStoryEventsNameTheField(breakage: Breakage) throws {
        var event = Self.validStoryEvent()
        breakage.apply(to: &event)
        let bytes = try event.serializedBytes() as [UInt8]
        do {
            _ = try AnnalsTopic.storyEvent.decode(binary: bytes)
            Issue.record("\(breakage) was accepted")
        } catch {
            #expect(error.description.contains(breakage.expectedMessage), "\(breakage): \(error)")
        }
    }

    @Test func unicodeIdentifiersAreAccepted() throws {
        var event = Self.validStoryEvent()
        event.worldID = "Évreux-世界-🌍"
        #expect(throws: Never.self) { try AnnalsTopic.storyEvent.decode(binary: try event.serializedBytes()) }
    }

    @Test func garbageBytesAreUndecodable() {
        #expect(throws: EventDecodingError.self) {
            try AnnalsTopic.storyEvent.decode(binary: [0xFF, 0xFF, 0xFF, 0x00, 0x13])
        }
    }

    @Test func badJsonNamesTheProblem() {
        do {
            _ = try AnnalsTopic.storyEvent.decode(json: #"{"worldId": 5}"#)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("proto3 JSON"))
        }
    }

    @Test func topicsMapToTheirMessageTypes() {
        #expect(AnnalsTopic(messageTypeName: "annals.v1.StoryEvent") == .storyEvent)
        #expect(AnnalsTopic.allCases.map(\.messageTypeName) == [
            "annals.v1.DocumentIngested", "annals.v1.StoryEvent", "annals.v1.MetricSample", "annals.v1.ScaleDecision",
        ])
    }
}
