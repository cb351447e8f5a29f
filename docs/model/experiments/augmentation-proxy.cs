using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Training;
using VoiceEmotion.Training.Channels;

// Stop 57 proxy (docs/model/recipe-experiments.md, "Stop 57"): does a training-side perturbation of RAVDESS (tempo,
// reordered speech pieces) move the clip-vector logistic regression of corpus-shift-diagnostic.cs (RAVDESS -> TESS)
// the way the nets moved? Tempo is the check (the nets' transfer: +0.10 over three seeds). Not built by CI. To re-run:
// a console project (net10.0) with a ProjectReference to src/Training, this file as its Program.cs, the data paths
// pointed at ../shared/data, the helpers appended as said at the end; `dotnet run -c Release [-- tempo shuffle
// tempo+shuffle]` (about 4 minutes on 2 cores).
// Each RAVDESS clip gets one perturbed copy per variant; the regression trains on the clean clips plus one variant's
// copies. Its Shuffle is the first form of LineSimulator.ShuffleSegments (docs/model/experiments/shuffle.patch): the
// same cuts, but every piece faded over 10 ms at both ends and the search span clipped at 20 frames before the end.
var corpus = new Corpus(["/work/shared/data/ravdess-speech-16k.zip", "/work/shared/data/tess-16k.zip"]);
int n = corpus.Clips.Count, W = FeatureSchema.WindowStatisticsCount, S = FeatureSchema.WindowFeatureCount, C = 7;
var names = FeatureSchema.WindowStatisticNames;
double[] Vec(ClipFeatures f)
{
    var v = new double[W]; int k = 0;
    for (int u = 0; u < f.Updates; u++) if (f.IsSpeech(u)) { k++; for (int j = 0; j < W; j++) v[j] += f.Stats[u * S + j]; }
    if (k == 0) for (int u = 0; u < f.Updates; u++) { k++; for (int j = 0; j < W; j++) v[j] += f.Stats[u * S + j]; }
    for (int j = 0; j < W; j++) v[j] /= Math.Max(k, 1);
    return v;
}
var rows = new List<double[]>(); var ys = new List<int>(); var spk = new List<string>(); var kind = new List<string>(); var tessL = new List<bool>();
var clean = new double[n][];
Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => clean[i] = Vec(corpus.Extract(i, corpus.Audio(i))));
for (int i = 0; i < n; i++) { rows.Add(clean[i]); ys.Add(corpus.Clips[i].Label); spk.Add(corpus.Clips[i].Speaker); kind.Add("clean"); tessL.Add(corpus.Clips[i].Corpus.Contains("tess", StringComparison.OrdinalIgnoreCase)); }
var rav = Enumerable.Range(0, n).Where(i => !tessL[i]).ToArray();
foreach (var variant in args.Length > 0 ? args : ["tempo", "shuffle", "tempo+shuffle"])
{
    var aug = new double[rav.Length][];
    Parallel.For(0, rav.Length, new ParallelOptions { MaxDegreeOfParallelism = 2 }, k =>
    {
        int i = rav[k]; var r = new Random(1000 + i * 7 + variant.Length);
        var a = corpus.Audio(i);
        if (variant.Contains("tempo")) { double span = Math.Log(1.3); a = LineSimulator.Stretch(a, Math.Exp((2 * r.NextDouble() - 1) * span)); }
        if (variant.Contains("shuffle")) a = Shuffle(a, r);
        aug[k] = Vec(corpus.Extract(i, a));
    });
    for (int k = 0; k < rav.Length; k++) { int i = rav[k]; rows.Add(aug[k]); ys.Add(corpus.Clips[i].Label); spk.Add(corpus.Clips[i].Speaker); kind.Add(variant); tessL.Add(false); }
}
var X = rows.ToArray(); var y = ys.ToArray(); int N = X.Length;
var allCols = Enumerable.Range(0, W).ToArray();
var tIdx = Enumerable.Range(0, N).Where(i => tessL[i]).ToArray();
int Actor(int i) => int.Parse(spk[i].Split('-').Last());
var ravTestClean = Enumerable.Range(0, N).Where(i => !tessL[i] && kind[i] == "clean" && Actor(i) > 15).ToArray();
foreach (var variant in new[] { "clean" }.Concat(args.Length > 0 ? args : ["tempo", "shuffle", "tempo+shuffle"]))
{
    var train = Enumerable.Range(0, N).Where(i => !tessL[i] && (kind[i] == "clean" || kind[i] == variant)).ToArray();
    var (ft, pred) = Fit(train, tIdx, allCols);
    var (fr, _) = Fit(train.Where(i => Actor(i) <= 15).ToArray(), ravTestClean, allCols);
    Console.WriteLine($"{variant,-16} R->T {ft:F3}  R(1-15)->R(16-20) {fr:F3}  TESS predicted: {string.Join(" ", Enumerable.Range(0, C).Select(c => $"{c}:{pred.Count(p => p == c)}"))}");
}

static string Group(string name) => System.Text.RegularExpressions.Regex.Replace(System.Text.RegularExpressions.Regex.Replace(name, "_(mean|std|min|max|p10|p50|p90|slope|range)$", ""), "_?\\d+$", "");

// Cuts the speech between its first and last loud frame at energy dips (>= 0.2 s apart) and plays the pieces in a
// random order (not the original), joined with 10 ms cross-fades; edges kept.
static float[] Shuffle(float[] x, Random r)
{
    const int hop = 160; int frames = x.Length / hop; if (frames < 10) return x;
    var e = new double[frames];
    for (int f = 0; f < frames; f++) { double s = 0; for (int j = 0; j < hop; j++) { double v = x[f * hop + j]; s += v * v; } e[f] = 10 * Math.Log10(s / hop + 1e-10); }
    double top = e.Max(); int first = Array.FindIndex(e, v => v > top - 35), last = Array.FindLastIndex(e, v => v > top - 35);
    var sm = new double[frames]; for (int f = 0; f < frames; f++) { double s = 0; int c = 0; for (int d = -2; d <= 2; d++) if (f + d >= 0 && f + d < frames) { s += e[f + d]; c++; } sm[f] = s / c; }
    var cuts = new List<int> { first };
    int pos = first + 20;
    while (pos < last - 20)
    {
        int best = pos; for (int f = pos; f < Math.Min(pos + 40, last - 20); f++) if (sm[f] < sm[best]) best = f;
        cuts.Add(best); pos = best + 20;
    }
    cuts.Add(last + 1);
    if (cuts.Count < 3) return x;
    var pieces = Enumerable.Range(0, cuts.Count - 1).ToArray();
    var order = pieces.ToArray();
    do { for (int k = order.Length - 1; k > 0; k--) { int j = r.Next(k + 1); (order[k], order[j]) = (order[j], order[k]); } } while (order.SequenceEqual(pieces));
    var y = new List<float>(x.Length + 1000);
    for (int s = 0; s < cuts[0] * hop; s++) y.Add(x[s]);
    const int fade = 160;
    foreach (var p in order)
    {
        int a = cuts[p] * hop, b = Math.Min(cuts[p + 1] * hop, x.Length);
        for (int s = a; s < b; s++)
        {
            float g = 1; int i0 = s - a, i1 = b - 1 - s;
            if (i0 < fade) g = i0 / (float)fade; if (i1 < fade) g = Math.Min(g, i1 / (float)fade);
            y.Add(x[s] * g);
        }
    }
    for (int s = Math.Min(cuts[^1] * hop, x.Length); s < x.Length; s++) y.Add(x[s]);
    return [.. y];
}

// The regression and its helpers are corpus-shift-diagnostic.cs's, unchanged: to run, append that file's text from
// "(double f1, int[] pred) Fit" to its end here (Fit, Softmax, MacroF1, Sd; Fit reads X, y, names, C and Group above).
