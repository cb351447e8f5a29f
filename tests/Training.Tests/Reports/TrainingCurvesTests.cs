namespace VoiceEmotion.Training.Tests.Reports;

/// <summary>The training-curve plot: an ensemble's members are separate lines, not one line jumping back to epoch 1.</summary>
public sealed class TrainingCurvesTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("ve-curves-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static List<EpochReport> Curve(int members, int epochs, bool validated) =>
        [.. Enumerable.Range(0, members).SelectMany(m => Enumerable.Range(0, epochs).Select(e =>
            new EpochReport(m, e, 100, 2.0 - 0.01 * e - 0.1 * m, 2.1 - 0.01 * e, validated ? 0.3 + 0.01 * e : null, 0, e)))];

    [Fact]
    public void EachMemberOfEachRunIsItsOwnLineInEpochOrder()
    {
        var lines = TrainingCurves.Lines([Curve(3, 5, validated: true), Curve(3, 5, validated: false)]);

        Assert.Equal(6, lines.Count);
        Assert.Equal([(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)], lines.Select(l => (l.Run, l.Member)));
        foreach (var line in lines)
        {
            Assert.Equal([1.0, 2, 3, 4, 5], line.Epochs);
            Assert.Equal(2.0 - 0.1 * line.Member, line.Loss[0], 6);
        }
        Assert.All(lines.Where(l => l.Run == 0), l => Assert.NotNull(l.ValidationMacroF1));
        Assert.All(lines.Where(l => l.Run == 1), l => Assert.Null(l.ValidationMacroF1));
    }

    [Fact]
    public void TheSpeakerAdversarysShareRightIsAColumnOnlyWhenThereWasOne()
    {
        var plain = Curve(2, 3, validated: false);
        var against = plain.Select(r => r with { SpeakerAccuracy = 0.125 + 0.01 * r.Epoch }).ToList();

        Assert.DoesNotContain("speaker adversary", TrainingCurves.Table(plain));
        Assert.DoesNotContain("speaker_adversary", TrainingCurves.Csv(plain));
        var table = TrainingCurves.Table(against).Split('\n');
        Assert.Contains(table, l => l.EndsWith("| speaker adversary right |", StringComparison.Ordinal));
        Assert.Contains(table, l => l.StartsWith("| 2 | 3 |", StringComparison.Ordinal) && l.EndsWith("| 14.5 % |", StringComparison.Ordinal));
        var csv = TrainingCurves.Csv(against).Split('\n');
        Assert.EndsWith(",speaker_adversary_right", csv[0]);
        Assert.EndsWith(",0.1450", csv[6]);
    }

    [Fact]
    public void ThePlotIsWrittenForAnEnsemble()
    {
        string png = Path.Combine(_dir.FullName, "curves.png");
        Assert.True(TrainingCurves.TryPlot(png, "training", [Curve(3, 4, validated: false)]));
        var bytes = File.ReadAllBytes(png);
        Assert.True(bytes.Length > 1000);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
    }

    [Fact]
    public void TheFeatureTimeIsEveryMembersDrawsNotTheLastMembers()
    {
        // Each member's count is cumulative over its own epochs: 10 s a draw for member 1, 20 s for member 2, 5 s for 3.
        double[] perDraw = [10, 20, 5];
        var curve = Enumerable.Range(0, 3).SelectMany(m => Enumerable.Range(0, 4).Select(e =>
            new EpochReport(m, e, 100, 1, 1, null, perDraw[m] * (e + 1), 30 * (e + 1)))).ToList();
        Assert.Equal("500 s (of which drawing augmented features 140 s: members 1–3 40 / 80 / 20 s)", TrainingCurves.TimeLine(500, curve));
        Assert.Equal("90 s (of which drawing augmented features 40 s)", TrainingCurves.TimeLine(90, curve.Where(r => r.Member == 0).ToList()));
    }
}
