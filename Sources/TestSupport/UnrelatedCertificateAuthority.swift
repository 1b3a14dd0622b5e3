import Foundation

/// A throwaway self-signed CA, made with `openssl`, that signed nothing: what a client trusting the wrong CA has.
public enum UnrelatedCertificateAuthority {
    /// Makes one in a fresh temporary directory; returns the path of its PEM certificate.
    public static func make() throws -> String {
        let directory = FileManager.default.temporaryDirectory.path + "/annals-ca-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let certificate = directory + "/ca.crt"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-subj", "/CN=Unrelated test CA", "-keyout", directory + "/ca.key", "-out", certificate,
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0, FileManager.default.fileExists(atPath: certificate) else {
            throw TestSupportError("openssl could not make a CA in \(directory) (is openssl installed? dev/setup installs it)")
        }
        return certificate
    }
}
