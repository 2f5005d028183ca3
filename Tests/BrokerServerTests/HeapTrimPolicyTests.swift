import Testing

@testable import BrokerServer

@Suite struct HeapTrimPolicyTests {
    let baseline = 3 << 20

    @Test func trimsOnlyWellAboveWhereTheProcessStarted() {
        var policy = HeapTrimPolicy(baseline: baseline)
        #expect(policy.looked(residentAnonymous: baseline + HeapTrimPolicy.slack) == .leave)
        #expect(policy.looked(residentAnonymous: baseline + HeapTrimPolicy.slack + 1) == .trim)
    }

    @Test func aTrimThatGivesLittleBackWaitsLongerUpToTheLongest() {
        var policy = HeapTrimPolicy(baseline: baseline)
        let busy = baseline + 40 << 20
        var intervals: [Duration] = []
        for _ in 0..<8 {
            #expect(policy.looked(residentAnonymous: busy) == .trim)
            policy.trimmed(before: busy, after: busy - HeapTrimPolicy.worthwhile + 1)
            intervals.append(policy.interval)
        }
        #expect(intervals == [2, 4, 8, 16, 32, 64, 64, 64].map { Duration.seconds($0) })
    }

    @Test func aTrimThatGivesBackOrAQuietLookStartsOverAtTheShortest() {
        var policy = HeapTrimPolicy(baseline: baseline)
        let busy = baseline + 40 << 20
        policy.trimmed(before: busy, after: busy)
        policy.trimmed(before: busy, after: busy)
        #expect(policy.interval == .seconds(4))
        policy.trimmed(before: busy, after: busy - HeapTrimPolicy.worthwhile)
        #expect(policy.interval == HeapTrimPolicy.shortestInterval)

        policy.trimmed(before: busy, after: busy)
        #expect(policy.interval == .seconds(2))
        #expect(policy.looked(residentAnonymous: baseline) == .leave)
        #expect(policy.interval == HeapTrimPolicy.shortestInterval)
    }
}
