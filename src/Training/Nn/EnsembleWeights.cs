namespace VoiceEmotion.Training.Nn;

/// <summary>
/// How an ensemble's members' probabilities are combined for one window, the same in the C# classifier and in the
/// exported graph: without session members (<see cref="NetConfig.IsSessionMember"/>) a plain average; with them, the
/// session members share <c>g · w²</c> equally and the others share <c>1 − g · w²</c>, where w is the window's session
/// weight (<see cref="Pipeline.Features.FeatureSchema.SessionWeightIndex"/>, 0 before the session has heard speech) and g the members' common
/// <see cref="NetConfig.SessionGate"/> (clipped so the share stays in [0, 1]). Squared, the share stays small while the
/// baseline is young (0.06 after a 3.7 s clip alone, 0.25 after 5 s of speech, 0.81 after 45 s): on the fixed
/// validation split it kept live sessions' gain from the session member (0.494 against 0.493 with g · w) and lost
/// nothing on isolated clips (RAVDESS 0.502 against 0.478).
/// </summary>
public static class EnsembleWeights
{
    /// <summary>The session members' common gate; 0 (a plain average) when there are none, or when they are all there
    /// is (a session member scored alone, as the training curves score each member). Throws when they disagree.</summary>
    public static float Gate(IReadOnlyList<NetConfig> members)
    {
        var gates = members.Where(m => m.IsSessionMember).Select(m => m.SessionGate).Distinct().ToList();
        if (gates.Count > 1) throw new ArgumentException("session members must share one gate");
        return gates.Count == 0 || members.All(m => m.IsSessionMember) ? 0 : gates[0];
    }

    /// <summary>The session members' share of the vote for a window with session weight <paramref name="w"/>: gate · w²,
    /// within [0, 1]; 0 without session members (gate 0).</summary>
    public static float Share(float gate, float w) => gate == 0 ? 0 : Math.Clamp(gate * w * w, 0, 1);

    /// <summary>The CNNs' part of what the session members leave, for a window with session weight <paramref name="w"/>:
    /// one half without a baseline, moving to <paramref name="settled"/> with w² (since stop 52: 0.35 — the statistics
    /// nets' larger part in a long call; docs/model/recipe-experiments.md "Stop 52").</summary>
    public static float CnnPart(float settled, float w) => 0.5f + (settled - 0.5f) * Math.Clamp(w * w, 0, 1);

    /// <summary>The weight of each member's probabilities for a window with session weight <paramref name="w"/>. With session
    /// members and <paramref name="settledCnnShare"/>, the rest of the vote is split between the CNNs and the statistics
    /// nets by <see cref="CnnPart"/> (each group's members alike); otherwise every other member weighs the same.</summary>
    public static void Fill(IReadOnlyList<NetConfig> members, float gate, float w, Span<float> weights, float? settledCnnShare = null)
    {
        int session = 0, cnns = 0;
        foreach (var m in members)
        {
            if (m.IsSessionMember) session++;
            else if (m.UseFrames) cnns++;
        }
        if (gate == 0)
        {
            weights[..members.Count].Fill(1f / members.Count);
            return;
        }
        float share = Share(gate, w);
        int stats = members.Count - session - cnns;
        bool split = settledCnnShare is not null && cnns > 0 && stats > 0;
        float cnnPart = split ? CnnPart(settledCnnShare!.Value, w) : 0;
        for (int k = 0; k < members.Count; k++)
            weights[k] = members[k].IsSessionMember ? share / session
                : !split ? (1 - share) / (members.Count - session)
                : members[k].UseFrames ? (1 - share) * cnnPart / cnns : (1 - share) * (1 - cnnPart) / stats;
    }
}
