using System.Collections.Concurrent;
using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Training;
using VoiceEmotion.Training.Channels;

// Stop 57 proxy (docs/model/recipe-experiments.md, "Stop 57"): does a training-side perturbation of RAVDESS (tempo,
// reordered speech pieces) move the clip-vector logistic regression of corpus-shift-diagnostic.cs (RAVDESS -> TESS)
// the way the nets moved? Tempo is the check (the nets' transfer: +0.10 over three seeds). Not built by CI. To re-run:
// a console project (net10.0) with a ProjectReference to src/Training, this file as its Program.cs, the data paths
// pointed at ../shared/data; `dotnet run -c Release [-- tempo shuffle tempo+shuffle]` (about 4 minutes on 2 cores).
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

(double f1, int[] pred) Fit(int[] train, int[] test, int[] cols, bool explain = false)
{
    int d = cols.Length;
    var mu = new double[d]; var sd = new double[d];
    for (int a = 0; a < d; a++) { var v = train.Select(i => X[i][cols[a]]).ToArray(); mu[a] = v.Average(); sd[a] = Sd(v) + 1e-6; }
    double[] Z(int i) { var z = new double[d]; for (int a = 0; a < d; a++) z[a] = Math.Clamp((X[i][cols[a]] - mu[a]) / sd[a], -8, 8); return z; }
    var ztr = train.Select(Z).ToArray(); var ytr = train.Select(i => y[i]).ToArray();
    var cw = new double[C]; for (int c = 0; c < C; c++) cw[c] = train.Length / (double)(C * Math.Max(1, ytr.Count(v => v == c)));
    var Wt = new double[C, d + 1]; var m = new double[C, d + 1]; var v2 = new double[C, d + 1];
    double lr = 0.05, lambda = 1e-2;
    for (int it = 1; it <= 300; it++)
    {
        var grad = new double[C, d + 1];
        for (int s = 0; s < ztr.Length; s++)
        {
            var p = Softmax(Wt, ztr[s], d);
            for (int c = 0; c < C; c++)
            {
                double g = cw[ytr[s]] * (p[c] - (c == ytr[s] ? 1 : 0)) / ztr.Length;
                for (int a = 0; a < d; a++) grad[c, a] += g * ztr[s][a];
                grad[c, d] += g;
            }
        }
        for (int c = 0; c < C; c++) for (int a = 0; a <= d; a++)
        {
            double g = grad[c, a] + (a < d ? lambda * Wt[c, a] : 0);
            m[c, a] = 0.9 * m[c, a] + 0.1 * g; v2[c, a] = 0.999 * v2[c, a] + 0.001 * g * g;
            double mh = m[c, a] / (1 - Math.Pow(0.9, it)), vh = v2[c, a] / (1 - Math.Pow(0.999, it));
            Wt[c, a] -= lr * mh / (Math.Sqrt(vh) + 1e-8);
        }
    }
    if (explain)
    {
        var zt = new double[d]; var zr = new double[d];
        foreach (var i in test) { var z = Z(i); for (int a = 0; a < d; a++) zt[a] += z[a] / test.Length; }
        foreach (var i in train) { var z = Z(i); for (int a = 0; a < d; a++) zr[a] += z[a] / train.Length; }
        var contrib = Enumerable.Range(0, d).Select(a => (a, v: (Wt[5, a] - Enumerable.Range(0, C).Average(c => Wt[c, a])) * (zt[a] - zr[a]))).OrderByDescending(p => p.v).ToList();
        Console.WriteLine($"disgust logit shift (test - train mean), total {contrib.Sum(p => p.v):F2}; top drivers:");
        foreach (var (a, v) in contrib.Take(15)) Console.WriteLine($"  {names[cols[a]],-34} {v,6:F2}  (z shift {zt[a] - zr[a]:F2})");
        var byGroup = contrib.GroupBy(p => Group(names[cols[p.a]])).Select(g => (g.Key, s: g.Sum(p => p.v))).OrderByDescending(p => p.s);
        Console.WriteLine("  by group: " + string.Join(", ", byGroup.Take(10).Select(p => $"{p.Key} {p.s:F2}")));
    }
    var pred = test.Select(i => { var p = Softmax(Wt, Z(i), d); return Array.IndexOf(p, p.Max()); }).ToArray();
    return (MacroF1(test.Select(i => y[i]).ToArray(), pred), pred);
}

static double[] Softmax(double[,] w, double[] z, int d)
{
    var o = new double[7]; double mx = double.MinValue;
    for (int c = 0; c < 7; c++) { double s = w[c, d]; for (int a = 0; a < d; a++) s += w[c, a] * z[a]; o[c] = s; mx = Math.Max(mx, s); }
    double t = 0; for (int c = 0; c < 7; c++) { o[c] = Math.Exp(o[c] - mx); t += o[c]; }
    for (int c = 0; c < 7; c++) o[c] /= t; return o;
}
static double MacroF1(int[] t, int[] p)
{
    double s = 0; for (int c = 0; c < 7; c++) { int tp = 0, fp = 0, fn = 0; for (int i = 0; i < t.Length; i++) { if (p[i] == c && t[i] == c) tp++; else if (p[i] == c) fp++; else if (t[i] == c) fn++; } s += tp == 0 ? 0 : 2.0 * tp / (2 * tp + fp + fn); }
    return s / 7;
}
static double Sd(double[] v) { double m = v.Average(); return Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / Math.Max(1, v.Length - 1)); }
