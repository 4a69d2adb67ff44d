using System.Runtime.InteropServices;

namespace Backup.Core.Interop;

/// <summary>libzstd.so.1 (zstd(1), zstd.h).</summary>
internal static unsafe partial class Zstd
{
    private const string Library = "libzstd.so.1";

    public const ulong ContentSizeUnknown = unchecked((ulong)-1);
    public const ulong ContentSizeError = unchecked((ulong)-2);

    [LibraryImport(Library, EntryPoint = "ZSTD_compressBound")]
    public static partial nuint CompressBound(nuint srcSize);

    [LibraryImport(Library, EntryPoint = "ZSTD_createCCtx")]
    public static partial nint CreateCCtx();

    [LibraryImport(Library, EntryPoint = "ZSTD_freeCCtx")]
    public static partial nuint FreeCCtx(nint cctx);

    [LibraryImport(Library, EntryPoint = "ZSTD_compressCCtx")]
    public static partial nuint CompressCCtx(nint cctx, byte* dst, nuint dstCapacity, byte* src, nuint srcSize, int level);

    public const int ResetSessionAndParameters = 3; // ZSTD_reset_session_and_parameters
    public const int CompressionLevelParameter = 100; // ZSTD_c_compressionLevel
    public const int EndContinue = 0; // ZSTD_e_continue
    public const int EndFrame = 2; // ZSTD_e_end

    [StructLayout(LayoutKind.Sequential)]
    public struct InBuffer
    {
        public byte* Source;
        public nuint Size;
        public nuint Position;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct OutBuffer
    {
        public byte* Destination;
        public nuint Size;
        public nuint Position;
    }

    [LibraryImport(Library, EntryPoint = "ZSTD_CCtx_reset")]
    public static partial nuint CCtxReset(nint cctx, int reset);

    [LibraryImport(Library, EntryPoint = "ZSTD_CCtx_setParameter")]
    public static partial nuint CCtxSetParameter(nint cctx, int parameter, int value);

    [LibraryImport(Library, EntryPoint = "ZSTD_CCtx_setPledgedSrcSize")]
    public static partial nuint CCtxSetPledgedSrcSize(nint cctx, ulong pledgedSrcSize);

    /// <summary>Returns 0 once a frame ended with <see cref="EndFrame"/> is completely written, else a hint of what remains, or an error code.</summary>
    [LibraryImport(Library, EntryPoint = "ZSTD_compressStream2")]
    public static partial nuint CompressStream2(nint cctx, OutBuffer* output, InBuffer* input, int endOp);

    [LibraryImport(Library, EntryPoint = "ZSTD_createDCtx")]
    public static partial nint CreateDCtx();

    [LibraryImport(Library, EntryPoint = "ZSTD_freeDCtx")]
    public static partial nuint FreeDCtx(nint dctx);

    [LibraryImport(Library, EntryPoint = "ZSTD_decompressDCtx")]
    public static partial nuint DecompressDCtx(nint dctx, byte* dst, nuint dstCapacity, byte* src, nuint srcSize);

    [LibraryImport(Library, EntryPoint = "ZSTD_findDecompressedSize")]
    public static partial ulong FindDecompressedSize(byte* src, nuint srcSize);

    [LibraryImport(Library, EntryPoint = "ZSTD_isError")]
    public static partial uint IsError(nuint code);

    [LibraryImport(Library, EntryPoint = "ZSTD_getErrorName")]
    public static partial nint GetErrorName(nuint code);

    public static string ErrorName(nuint code) => Marshal.PtrToStringUTF8(GetErrorName(code)) ?? "unknown zstd error";
}
