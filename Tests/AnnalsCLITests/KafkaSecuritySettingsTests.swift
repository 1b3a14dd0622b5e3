@testable import AnnalsCLI
import Foundation
import Kafka
import Testing
import TestSupport

/// Issue 5: Kafka TLS and SASL settings pass through `-X` to librdkafka, which checks them when the command starts,
/// before it touches the database; what it refuses stops the command with librdkafka's reason and the properties
/// given, passwords redacted. (Connecting with them needs a real broker: librdkafka's mock cluster speaks neither.)
@Suite struct KafkaSecuritySettingsTests {
    /// The settings `kafkaConfig()` makes of `-X` properties, or its error.
    static func settings(_ properties: [String]) async throws -> Result<KafkaConfig, CLIError> {
        try await onOwnThread {
            do {
                return .success(try ConnectionOptions.parse(["--brokers", "127.0.0.1:1"] + properties.flatMap { ["-X", $0] }).kafkaConfig())
            } catch let error as CLIError {
                return .failure(error)
            }
        }
    }

    @Test(arguments: [
        (["security.protocol=NOPE"], ["Invalid value \"NOPE\" for configuration property \"security.protocol\""]),
        (["security.protocol=SASL_PLAINTEXT", "sasl.mechanism=NOPE", "sasl.username=annals", "sasl.password=pw"],
         ["Unsupported SASL mechanism: NOPE", "sasl.mechanism=NOPE"]),
        (["security.protocol=SASL_SSL", "sasl.mechanism=SCRAM-SHA-512"], ["sasl.username and sasl.password must be set"]),
        (["security.protocol=SSL", "ssl.ca.location=/nonexistent/ca.pem"], ["ssl.ca.location failed", "ssl.ca.location=/nonexistent/ca.pem"]),
        (["security.protocol=SSL", "ssl.certificate.location=/nonexistent/client.pem", "ssl.key.location=/nonexistent/client.key"],
         ["ssl.certificate.location failed"]),
        (["sasl.mechanisms=PLAIN", "sasl.username=annals", "sasl.password=pw", "security.protocol=SASL_PLAINTEXTT"],
         ["\"security.protocol\""]),
    ])
    func aSettingLibrdkafkaRefusesStopsTheCommandSayingWhichAndWhy(_ properties: [String], _ expected: [String]) async throws {
        guard case .failure(let error) = try await Self.settings(properties) else {
            Issue.record("accepted: \(properties)")
            return
        }
        for text in expected {
            #expect(error.description.contains(text), "\(error)")
        }
        #expect(error.description.contains("librdkafka refused the Kafka settings"), "\(error)")
    }

    @Test func aRefusedSettingNeverEchoesThePassword() async throws {
        let password = "pa55-word-nobody-may-read"
        let result = try await Self.settings(
            ["security.protocol=SASL_SSL", "sasl.mechanism=NOPE", "sasl.username=annals", "sasl.password=\(password)"])
        guard case .failure(let error) = result else {
            Issue.record("accepted an unknown SASL mechanism")
            return
        }
        #expect(!error.description.contains(password))
        #expect(error.description.contains("sasl.password=<redacted>"), "\(error)")
    }

    @Test func scramOverTLSAndMutualTLSSettingsReachLibrdkafkaUnchanged() async throws {
        // A certificate and its key (a CA's serve as well as a client's) and a CA file librdkafka loads at start.
        let certificate = try UnrelatedCertificateAuthority.make()
        let directory = URL(fileURLWithPath: certificate).deletingLastPathComponent().path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let scram = [
            "security.protocol=SASL_SSL", "sasl.mechanism=SCRAM-SHA-512", "sasl.username=annals", "sasl.password=secret",
            "ssl.ca.location=\(certificate)",
        ]
        let mutualTLS = [
            "security.protocol=SSL", "ssl.ca.location=\(certificate)", "ssl.certificate.location=\(certificate)",
            "ssl.key.location=\(directory)/ca.key", "ssl.endpoint.identification.algorithm=https",
        ]
        for properties in [scram, mutualTLS] {
            let config = try await Self.settings(properties).get()
            for property in properties {
                let (key, value) = (String(property.prefix { $0 != "=" }), String(property.drop { $0 != "=" }.dropFirst()))
                #expect(config[key] == value, "\(key)")
            }
        }
    }

    @Test func aClientKeyThatIsNotTheCertificatesIsRefused() async throws {
        // librdkafka loads both files and checks they belong together: proof the paths reach it.
        let certificate = try UnrelatedCertificateAuthority.make()
        let other = try UnrelatedCertificateAuthority.make()
        let directories = [certificate, other].map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }
        defer { for directory in directories { try? FileManager.default.removeItem(atPath: directory) } }
        let result = try await Self.settings([
            "security.protocol=SSL", "ssl.certificate.location=\(certificate)", "ssl.key.location=\(directories[1])/ca.key",
        ])
        guard case .failure(let error) = result else {
            Issue.record("accepted a key of another certificate")
            return
        }
        #expect(error.description.contains("ssl.key.location failed"), "\(error)")
    }
}
