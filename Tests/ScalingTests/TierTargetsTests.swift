import Scaling
import Testing

/// `tier=name` settings.
@Suite struct TierTargetsTests {
    @Test func tiersMapToNames() throws {
        #expect(try TierTargets.parse(["gold=annals-gold", " Silver = annals-silver "], option: "--ecs-service")
            == ["gold": "annals-gold", "silver": "annals-silver"])
        #expect(try TierTargets.parse([], option: "--asg") == [:])
    }

    @Test(arguments: [
        (["gold"], TierTargetsError.Problem.notAnAssignment, "expected tier=name, e.g. --ecs-service gold=annals-gold"),
        (["platinum=svc"], .unknownTier("platinum"), "unknown tier \"platinum\"; the tiers are gold, silver, bronze"),
        (["gold="], .emptyName, "the name after = is empty"),
        (["gold=a", "gold=b"], .repeatedTier("gold"), "names tier gold twice"),
    ])
    func badSettingsSayHowToWriteThem(values: [String], problem: TierTargetsError.Problem, message: String) {
        #expect {
            try TierTargets.parse(values, option: "--ecs-service")
        } throws: { error in
            guard let error = error as? TierTargetsError else { return false }
            return error.problem == problem && error.description.contains(message) && error.description.hasPrefix("--ecs-service")
        }
    }
}
