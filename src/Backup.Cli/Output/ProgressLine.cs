using System.Diagnostics;

namespace Backup.Cli.Output;

/// <summary>One status line on the terminal, redrawn a few times a second and cleared at the end.</summary>
public sealed class ProgressLine : IDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private Timer? _timer;
    private Func<string>? _render;
    private int _lastLength;

    public void Start(Func<string> render)
    {
        _render = render;
        _timer = new Timer(_ => Draw(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
    }

    private void Draw()
    {
        if (_render is null)
        {
            return;
        }

        var text = $"[{Format.Duration(_clock.Elapsed)}] {_render()}";
        // A pseudo-terminal without a size (script(1), some CI runners) reports 0 columns.
        var width = Console.IsOutputRedirected || Console.WindowWidth < 20 ? 100 : Console.WindowWidth - 1;
        if (text.Length > width)
        {
            text = text[..width];
        }

        lock (this)
        {
            Console.Write("\r" + text.PadRight(_lastLength));
            _lastLength = text.Length;
        }
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _timer = null;
        lock (this)
        {
            if (_lastLength > 0)
            {
                Console.Write("\r" + new string(' ', _lastLength) + "\r");
                _lastLength = 0;
            }
        }
    }
}
