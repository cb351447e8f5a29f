using System.Text.RegularExpressions;
using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Training;

// Stop 56 diagnostic (docs/model/recipe-experiments.md, "Stop 56"): why a RAVDESS-trained model hears TESS as disgust.
// Not built by CI. To re-run: a console project (net10.0) with a ProjectReference to src/Training, this file as its
// Program.cs, the data paths below pointed at ../shared/data; `dotnet run -c Release` (about a minute on 2 cores). Clip vectors = mean of the
// absolute window statistics over a clip's speech updates (clean); a class-balanced logistic regression.
var corpus = new Corpus(["/work/shared/data/ravdess-speech-16k.zip", "/work/shared/data/tess-16k.zip"]);
int n = corpus.Clips.Count, W = FeatureSchema.WindowStatisticsCount, S = FeatureSchema.WindowFeatureCount, C = 7;
var names = FeatureSchema.WindowStatisticNames;
var X = new double[n][]; var y = new int[n]; var tess = new bool[n]; var spk = new string[n];
var feats = corpus.Features(Enumerable.Range(0, n).ToList());
for (int i = 0; i < n; i++)
{
    var f = feats[i]; var v = new double[W]; int k = 0;
    for (int u = 0; u < f.Updates; u++) if (f.IsSpeech(u)) { k++; for (int j = 0; j < W; j++) v[j] += f.Stats[u * S + j]; }
    if (k == 0) for (int u = 0; u < f.Updates; u++) { k++; for (int j = 0; j < W; j++) v[j] += f.Stats[u * S + j]; }
    for (int j = 0; j < W; j++) v[j] /= Math.Max(k, 1);
    X[i] = v; y[i] = corpus.Clips[i].Label; tess[i] = corpus.Clips[i].Corpus.Contains("tess", StringComparison.OrdinalIgnoreCase); spk[i] = corpus.Clips[i].Speaker;
}
feats = null; GC.Collect();
string[] labels = ["neutral", "happy", "sad", "angry", "fearful", "disgust", "surprised"];
Console.WriteLine($"{n} clips, {tess.Count(t => t)} TESS, W={W}");

string Group(string name)
{
    var g = Regex.Replace(name, "_(mean|std|min|max|p10|p50|p90|slope|range)$", "");
    g = Regex.Replace(g, "_?\\d+$", "");
    return g;
}
var groups = names.Select(Group).Distinct().ToList();
Console.WriteLine("groups: " + string.Join(", ", groups.Select(g => $"{g}({names.Count(x => Group(x) == g)})")));

// 1. corpus shift per feature, within class, in RAVDESS within-class sd units
var shift = new double[W]; var dis = new double[W];
for (int j = 0; j < W; j++)
{
    double s = 0, sdPool = 0;
    for (int c = 0; c < C; c++)
    {
        var r = Enumerable.Range(0, n).Where(i => !tess[i] && y[i] == c).Select(i => X[i][j]).ToArray();
        var t = Enumerable.Range(0, n).Where(i => tess[i] && y[i] == c).Select(i => X[i][j]).ToArray();
        double sd = Sd(r) + 1e-9; sdPool += sd; s += (t.Average() - r.Average()) / sd;
    }
    shift[j] = s / C;
    var rd = Enumerable.Range(0, n).Where(i => !tess[i] && y[i] == 5).Select(i => X[i][j]).ToArray();
    var ro = Enumerable.Range(0, n).Where(i => !tess[i] && y[i] != 5).Select(i => X[i][j]).ToArray();
    dis[j] = (rd.Average() - ro.Average()) / (Sd(ro) + 1e-9);
}
Console.WriteLine("\nTop corpus shifts (TESS - RAVDESS, within class, RAVDESS sd) with RAVDESS disgust-vs-rest d:");
foreach (var j in Enumerable.Range(0, W).OrderByDescending(j => Math.Abs(shift[j])).Take(30))
    Console.WriteLine($"  {names[j],-34} shift {shift[j],7:F2}   disgust d {dis[j],6:F2}");
Console.WriteLine("\nGroup mean |shift|: " + string.Join(", ", groups.Select(g => (g, m: Enumerable.Range(0, W).Where(j => Group(names[j]) == g).Average(j => Math.Abs(shift[j])))).OrderByDescending(p => p.m).Select(p => $"{p.g} {p.m:F2}")));

// 2. R -> T with all features, then leave one group out
var rIdx = Enumerable.Range(0, n).Where(i => !tess[i]).ToArray();
var tIdx = Enumerable.Range(0, n).Where(i => tess[i]).ToArray();
var ravTrain = rIdx.Where(i => int.Parse(spk[i].Split('-').Last()) <= 15).ToArray();
var ravTest = rIdx.Where(i => int.Parse(spk[i].Split('-').Last()) > 15).ToArray();
var allCols = Enumerable.Range(0, W).ToArray();
Report("all features", allCols, true);
Fit(rIdx, tIdx, allCols, true);
bool IsSlope(string s) => s.EndsWith("_slope");
bool IsMinMax(string s) => s.EndsWith("_min") || s.EndsWith("_max");
var noSlope = allCols.Where(j => !IsSlope(names[j])).ToArray();
Report("no slopes", noSlope, false);
Report("no slopes, no min/max", noSlope.Where(j => !IsMinMax(names[j])).ToArray(), false);
Report("no slopes, no voiced run", noSlope.Where(j => names[j] != "mean_voiced_run_s").ToArray(), false);
Report("no slopes/minmax/voiced run", noSlope.Where(j => !IsMinMax(names[j]) && names[j] != "mean_voiced_run_s").ToArray(), false);
Report("only *_mean/*_std", allCols.Where(j => names[j].EndsWith("_mean") || names[j].EndsWith("_std")).ToArray(), false);
var oaf = tIdx.Where(i => spk[i].Contains("OAF")).ToArray(); var yaf = tIdx.Where(i => spk[i].Contains("YAF")).ToArray();
foreach (var (nm, cols) in new[] { ("all", allCols), ("no slopes", noSlope), ("no slopes/minmax/vrun", noSlope.Where(j => !IsMinMax(names[j]) && names[j] != "mean_voiced_run_s").ToArray()) })
{
    var (a, _) = Fit(rIdx.Concat(oaf).ToArray(), yaf, cols); var (b, _) = Fit(rIdx.Concat(yaf).ToArray(), oaf, cols);
    Console.WriteLine($"TESS speaker folds, {nm,-24}: R+OAF->YAF {a:F3}  R+YAF->OAF {b:F3}");
}

void Report(string what, int[] cols, bool detail)
{
    var (f1t, pred) = Fit(rIdx, tIdx, cols);
    var (f1r, _) = Fit(ravTrain, ravTest, cols);
    Console.WriteLine($"{what,-40} R->T {f1t:F3}   R(1-15)->R(16-20) {f1r:F3}   TESS predicted: {string.Join(" ", Enumerable.Range(0, C).Select(c => $"{labels[c][..3]}{pred.Count(p => p == c)}"))}");
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
