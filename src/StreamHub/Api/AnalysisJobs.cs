using Microsoft.Extensions.Options;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.StreamHub.Contracts;

namespace VoiceEmotion.StreamHub.Api;

/// <summary>
/// Upload analyses running in the background, kept in this process's memory: at most
/// <see cref="StreamHubOptions.MaxAnalysisJobs"/>, each readable until <see cref="StreamHubOptions.AnalysisJobExpirySeconds"/>
/// after it finished. A restart loses them (docs/DEPLOYMENT.md).
/// </summary>
public sealed class AnalysisJobs(UploadAnalyzer analyzer, IOptions<StreamHubOptions> options, IHostApplicationLifetime lifetime, ILogger<AnalysisJobs> logger)
{
    private readonly Dictionary<string, AnalysisJob> _jobs = [];
    private readonly TimeProvider _clock = TimeProvider.System;

    /// <summary>Starts analysing a spooled upload (the job disposes <paramref name="wav"/> and <paramref name="slot"/> when it ends).</summary>
    public AnalysisJob Start(Stream wav, string fileName, string owner, IDisposable slot)
    {
        var job = new AnalysisJob(Guid.NewGuid().ToString("N"), owner, fileName, _clock.GetUtcNow());
        lock (_jobs)
        {
            RemoveExpired();
            // Running jobs hold upload slots, and there are fewer slots than jobs (validated): a finished one is there to drop.
            while (_jobs.Count >= options.Value.MaxAnalysisJobs && _jobs.Values.Where(j => j.Finished).MinBy(j => j.FinishedAt) is { } oldest)
                _jobs.Remove(oldest.Id);
            _jobs[job.Id] = job;
        }
        _ = Task.Run(() => RunAsync(job, wav, slot));
        return job;
    }

    /// <summary>The job, if it exists, has not expired and <paramref name="user"/> may see it (its owner, or a supervisor).</summary>
    public AnalysisJob? Find(string id, System.Security.Claims.ClaimsPrincipal user)
    {
        lock (_jobs)
        {
            RemoveExpired();
            return _jobs.TryGetValue(id, out var job) && Security.Roles.MaySee(user, job.Owner) ? job : null;
        }
    }

    private async Task RunAsync(AnalysisJob job, Stream wav, IDisposable slot)
    {
        UploadResult? result = null;
        ApiError? error = null;
        try
        {
            job.Running();
            result = await analyzer.AnalyzeAsync(wav, job.FileName, job.Owner, job.Id, job.Progress, lifetime.ApplicationStopping);
        }
        catch (AudioFormatException e)
        {
            error = new ApiError("bad_audio", e.Message);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            error = new ApiError("shutting_down", "the server stopped before the analysis finished: upload the file again");
        }
        catch (Exception e)
        {
            logger.LogError(e, "Analysis job {Job} ({FileName}) failed", job.Id, job.FileName);
            error = new ApiError("analysis_failed", "the analysis failed on the server; the server's log has the details");
        }
        finally
        {
            // Before the job says it has finished: a client that then uploads again finds the slot free and the spool gone.
            await wav.DisposeAsync();
            slot.Dispose();
        }
        if (result is not null) job.Succeeded(result, _clock.GetUtcNow());
        else job.Failed(error!, _clock.GetUtcNow());
    }

    private void RemoveExpired()
    {
        var cutoff = _clock.GetUtcNow() - TimeSpan.FromSeconds(options.Value.AnalysisJobExpirySeconds);
        foreach (var job in _jobs.Values.Where(j => j.FinishedAt < cutoff).ToList()) _jobs.Remove(job.Id);
    }
}
