/// libpq's message for a connection that could not be established, with what to do when it is a TLS problem
/// (libpq names the problem but not the setting behind it).
enum ConnectionFailureAdvice {
    static func explained(_ message: String) -> String {
        guard let advice = advice.first(where: { message.contains($0.symptom) })?.advice else { return message }
        return message + " (" + advice + ")"
    }

    static let advice: [(symptom: String, advice: String)] = [
        ("certificate verify failed",
         "the server's certificate is not signed by a CA in sslrootcert, default ~/.postgresql/root.crt: "
            + "set sslrootcert to the CA that signed it"),
        ("does not match host name",
         "connect with a host name the certificate was issued for, or use sslmode=verify-ca, which checks only the CA"),
        ("server does not support SSL, but SSL was required",
         "turn on ssl in the server's configuration, or connect with a weaker sslmode on a network you trust"),
    ]
}
