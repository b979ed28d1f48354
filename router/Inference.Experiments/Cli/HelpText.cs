namespace Inference.Experiments.Cli;

/// <summary>The usage text of the tool and of each command.</summary>
internal static class HelpText
{
    private const string Targets = """
        Instances (at least one; every instance is called, whatever happens to the others):
          --admin <url>[,<url>…]     a router's admin base address, e.g. http://10.1.2.3:8081 (repeatable)
          --admin-dns <name>:<port>  every A/AAAA address of <name> (a headless Service) is one instance (repeatable)
        Options:
          --token-file <file>        the admin bearer token (default: env ROUTER_ADMIN_TOKEN)
          --timeout <seconds>        per call to one instance (default 10)
          --json                     one JSON document on stdout instead of text
          -h, --help                 this help
        Exit codes: 0 done everywhere; 1 an instance failed (unreachable, refused, or changed
        concurrently); 2 usage error; 3 every instance answered but their weights differ (DIVERGED).
        """;

    public const string General = $"""
        Usage: inference-exp <command> [arguments] (--admin <url> | --admin-dns <name>:<port>)… [options]

        Reads and changes A/B experiment weights on every router instance through its admin API.
        Each router instance keeps its own weights: this tool calls each one and says what happened on each.

        Commands:
          status [model]                    revision, readiness, experiment, weights and endpoint health per instance
          set <model> <group>=<weight>…     change weights everywhere (checked against each instance's revision)
          rollback <model>                  send all traffic to the control group everywhere
          results <model>                   the experiment's statistics over every instance: which group wins, is the split healthy

        Run `inference-exp <command> --help` for a command's details.

        {Targets}
        """;

    public const string Status = $"""
        Usage: inference-exp status [model] (--admin <url> | --admin-dns <name>:<port>)… [options]

        Shows per instance its revision and readiness and, per model (or only [model]), the experiment,
        the weights in force, where they come from (admin: set through the admin API; config: the
        configuration file's) and how many endpoints of each version are available. Marks DIVERGED
        (exit 3) when the instances that answered disagree on a model's experiment or weights.

        {Targets}
        """;

    public const string Set = $"""
        Usage: inference-exp set <model> <group>=<weight>… (--admin <url> | --admin-dns <name>:<port>)… [--dry-run] [--force] [options]

        Sets the named groups' weights (others keep theirs) on every instance. Each instance is read
        first; the change is sent with If-Match on the revision read, so a change someone else made in
        between is not overwritten: that instance is reported as a conflict (with what it holds now)
        and the command exits 1. An instance already at these weights is left alone ("unchanged").
          --dry-run   read every instance and show what would change; change nothing
          --force     apply even if an instance changed since it was read (no If-Match)

        Example: inference-exp set iris control=50 treatment=50 --admin-dns router-admin.ml.svc:8081

        {Targets}
        """;

    public const string Rollback = $"""
        Usage: inference-exp rollback <model> (--admin <url> | --admin-dns <name>:<port>)… [options]

        Sends all traffic of <model> to its experiment's control group on every instance. No revision
        check: a rollback applies whatever changed before it. A call that gets no answer (or a 502,
        503 or 504) is tried again, up to 3 attempts per instance; a rollback applied twice is the same
        rollback.

        {Targets}
        """;

    public const string Results = $"""
        Usage: inference-exp results <model> (--admin <url> | --admin-dns <name>:<port>)… [options]

        Reads the experiment statistics of <model> from every instance and adds them up: requests
        assigned per group, and per declared outcome metric and group n, the mean (numbers) or rate
        (booleans) with a 95% confidence interval, the difference and relative lift against control
        with 95% intervals, and the p-value (Welch's t-test for numbers, a two-proportion z-test for
        booleans). Warns when a group has too few outcomes for the test to be trusted (numbers: n < 30;
        booleans: fewer than 10 successes or 10 failures).
        Sample-ratio check: a chi-square test of the assigned requests against the current weights;
        p < 0.001 is a MISMATCH. When the weights changed during the experiment, the counts mix
        splits and the check is not judged (start a new experiment name to check again).

        {Targets}
        """;

    public static string For(CommandKind? command) => command switch
    {
        CommandKind.Results => Results,
        CommandKind.Status => Status,
        CommandKind.Set => Set,
        CommandKind.Rollback => Rollback,
        _ => General,
    };

    /// <summary>The first line of a command's help: what a usage error shows.</summary>
    public static string UsageLine(CommandKind? command) => For(command).Split('\n')[0];

    public static string Name(CommandKind command) => command.ToString().ToLowerInvariant();
}
