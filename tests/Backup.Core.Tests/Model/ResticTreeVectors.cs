namespace Backup.Core.Tests.Model;

/// <summary>
/// Tree blobs exactly as restic 0.14.0 (go1.19.8, TZ=UTC, as root) wrote them, fetched with
/// <c>restic cat blob</c>. The newline that ends every blob is added back here, and {DEL} stands for the
/// byte 0x7F, which restic writes as it is.
/// </summary>
internal static class ResticTreeVectors
{
    /// <summary>
    /// Files, hard link with an xattr, empty file, 3 MB file (two chunks), block and char device, FIFO,
    /// symlink, setuid/setgid files, sticky and plain directories, names with quote, backslash, &lt;&gt;&amp;,
    /// newline, invalid UTF-8 and Unicode, a time before 1970 and one on a whole second.
    /// </summary>
    public const string MixedTreeId = "34325e42394c934cb766457a3265090dd389d817b4bea1610d93dc352fddd81c";

    public static readonly string MixedTree = """
{"nodes":[{"name":"big.bin","type":"file","mode":420,"mtime":"2026-11-21T21:45:41.558560916Z","atime":"2026-11-21T21:45:41.558560916Z","ctime":"2026-11-21T21:45:41.558560916Z","uid":0,"gid":0,"user":"root","group":"root","inode":11665711,"device_id":65024,"size":3000000,"links":1,"content":["2cae37529286d7b3dafdd60a27ed5cb2ea17bd7b43dc404255817a756757b154","97cafb45d7dcd29d14192b7d6aa2982ef0ed374dbf4bcfe196593201bbfc4c5e"]},{"name":"blockdev1","type":"dev","mode":67109284,"mtime":"2026-11-21T21:45:41.450560917Z","atime":"2026-11-21T21:45:41.450560917Z","ctime":"2026-11-21T21:45:41.450560917Z","uid":0,"gid":0,"user":"root","group":"root","inode":11665705,"device_id":65024,"links":1,"device":1992,"content":null},{"name":"chardev1","type":"chardev","mode":69206436,"mtime":"2026-11-21T21:45:41.458560917Z","atime":"2026-11-21T21:45:41.458560917Z","ctime":"2026-11-21T21:45:41.458560917Z","uid":0,"gid":0,"user":"root","group":"root","inode":11665706,"device_id":65024,"links":1,"device":259,"content":null},{"name":"empty.txt","type":"file","mode":420,"mtime":"2026-11-21T21:45:41.446560917Z","atime":"2026-11-21T21:45:41.446560917Z","ctime":"2026-11-21T21:45:41.446560917Z","uid":0,"gid":0,"user":"root","group":"root","inode":11665701,"device_id":65024,"links":1,"content":[]},{"name":"fifo1","type":"fifo","mode":33554852,"mtime":"2026-11-21T21:45:41.462560917Z","atime":"2026-11-21T21:45:41.462560917Z","ctime":"2026-11-21T21:45:41.462560917Z","uid":0,"gid":0,"user":"root","group":"root","inode":11665707,"device_id":65024,"content":null},{"name":"hard.txt","type":"file","mode":420,"mtime":"2026-11-21T21:45:41.442560917Z","atime":"2026-11-21T21:45:41.442560917Z","ctime":"2026-11-21T21:45:41.446560917Z","uid":0,"gid":0,"user":"root","group":"root","inode":11665700,"device_id":65024,"size":12,"links":2,"extended_attributes":[{"name":"user.comment","value":"aGVsbG8geGF0dHI="}],"content":["a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447"]},{"name":"link-to-small","type":"symlink","mode":134218239,"mtime":"2026-11-21T21:45:41.450560917Z","atime":"2026-11-21T21:45:41.450560917Z","ctime":"2026-11-21T21:45:41.450560917Z","uid":0,"gid":0,"user":"root","group":"root","inode":11665704,"device_id":65024,"links":1,"linktarget":"small.txt","content":null},{"name":"new\\nline","type":"file","mode":420,"mtime":"2026-11-21T21:45:41.562560916Z","atime":"2026-11-21T21:45:41.562560916Z","ctime":"2026-11-21T21:45:41.562560916Z","uid":0,"gid":0,"user":"root","group":"root","inode":11665713,"device_id":65024,"size":1,"links":1,"content":["2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"]},{"name":"nonutf8-\\xff\\xfe","type":"file","mode":420,"mtime":"2026-11-21T21:45:41.574560916Z","atime":"2026-11-21T21:45:41.574560916Z","ctime":"2026-11-21T21:45:41.574560916Z","uid":0,"gid":0,"user":"root","group":"root","inode":11665714,"device_id":65024,"size":1,"links":1,"content":["2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"]},{"name":"old","type":"file","mode":420,"mtime":"1938-04-24T22:13:20.5Z","atime":"1938-04-24T22:13:20.5Z","ctime":"2026-11-21T21:45:41.577056018Z","uid":0,"gid":0,"user":"root","group":"root","inode":11665716,"device_id":65024,"links":1,"content":[]},{"name":"sgid","type":"file","mode":4194792,"mtime":"2026-11-21T21:45:41.471978066Z","atime":"2026-11-21T21:45:41.471978066Z","ctime":"2026-11-21T21:45:41.473343497Z","uid":0,"gid":0,"user":"root","group":"root","inode":11665709,"device_id":65024,"size":12,"links":1,"content":["a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447"]},{"name":"small.txt","type":"file","mode":420,"mtime":"2026-11-21T21:45:41.442560917Z","atime":"2026-11-21T21:45:41.442560917Z","ctime":"2026-11-21T21:45:41.446560917Z","uid":0,"gid":0,"user":"root","group":"root","inode":11665700,"device_id":65024,"size":12,"links":2,"extended_attributes":[{"name":"user.comment","value":"aGVsbG8geGF0dHI="}],"content":["a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447"]},{"name":"sticky","type":"dir","mode":2148532735,"mtime":"2026-11-21T21:45:41.478560917Z","atime":"2026-11-21T21:45:41.478560917Z","ctime":"2026-11-21T21:45:41.486560917Z","uid":0,"gid":0,"user":"root","group":"root","inode":11665710,"device_id":65024,"content":null,"subtree":"ac08ce34ba4f8123618661bef2425f7028ffb9ac740578a3ee88684d2523fee8"},{"name":"sub","type":"dir","mode":2147484141,"mtime":"2026-11-21T21:45:41.450560917Z","atime":"2026-11-21T21:45:41.450560917Z","ctime":"2026-11-21T21:45:41.450560917Z","uid":0,"gid":0,"user":"root","group":"root","inode":11665702,"device_id":65024,"content":null,"subtree":"5f2fe24932211d6855c558f94cbd8f4e54ba8561925466c71fc3a2b0a6ddf550"},{"name":"suid","type":"file","mode":8389101,"mtime":"2026-11-21T21:45:41.466367141Z","atime":"2026-11-21T21:45:41.466367141Z","ctime":"2026-11-21T21:45:41.466560917Z","uid":0,"gid":0,"user":"root","group":"root","inode":11665708,"device_id":65024,"size":12,"links":1,"content":["a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447"]},{"name":"we\\\"ird\\\\back\u003c\u003e\u0026.txt","type":"file","mode":420,"mtime":"2026-11-21T21:45:41.558560916Z","atime":"2026-11-21T21:45:41.558560916Z","ctime":"2026-11-21T21:45:41.558560916Z","uid":0,"gid":0,"user":"root","group":"root","inode":11665712,"device_id":65024,"size":1,"links":1,"content":["2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"]},{"name":"whole","type":"file","mode":420,"mtime":"2020-01-02T03:04:05Z","atime":"2020-01-02T03:04:05Z","ctime":"2026-11-21T21:45:41.577056018Z","uid":0,"gid":0,"user":"root","group":"root","inode":11665717,"device_id":65024,"links":1,"content":[]},{"name":"ünïcödé 日本.txt","type":"file","mode":420,"mtime":"2026-11-21T21:45:41.574560916Z","atime":"2026-11-21T21:45:41.574560916Z","ctime":"2026-11-21T21:45:41.574560916Z","uid":0,"gid":0,"user":"root","group":"root","inode":11665715,"device_id":65024,"size":1,"links":1,"content":["2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"]}]}
""" + "\n";

    /// <summary>
    /// Names that Go 1.19 escapes: \b \f, U+00A0, U+2028, U+3000, U+00AD, U+FEFF, private use U+E000, tag
    /// U+E0001, code points new in Unicode 14 (U+061D, U+1FAE0); names it keeps (U+FFFD, U+2A6DE); symlink
    /// targets with invalid UTF-8 and with control characters; an empty xattr value and an xattr name with
    /// invalid UTF-8.
    /// </summary>
    public const string EscapesTreeId = "8f2321fd25646085795820fb9f311cacb056611e086ddb725bafd7b8e2f3e024";

    public static readonly string EscapesTree = """
{"nodes":[{"name":"a\\bb\\fc","type":"file","mode":420,"mtime":"2026-11-21T21:42:41.182562669Z","atime":"2026-11-21T21:42:41.182562669Z","ctime":"2026-11-21T21:42:41.182562669Z","uid":0,"gid":0,"user":"root","group":"root","inode":11657960,"device_id":65024,"links":1,"content":[]},{"name":"ar\\u061dx","type":"file","mode":420,"mtime":"2026-11-21T21:42:41.182562669Z","atime":"2026-11-21T21:42:41.182562669Z","ctime":"2026-11-21T21:42:41.182562669Z","uid":0,"gid":0,"user":"root","group":"root","inode":11657962,"device_id":65024,"links":1,"content":[]},{"name":"badlink","type":"symlink","mode":134218239,"mtime":"2026-11-21T21:42:41.186562669Z","atime":"2026-11-21T21:42:41.186562669Z","ctime":"2026-11-21T21:42:41.186562669Z","uid":0,"gid":0,"user":"root","group":"root","inode":11657972,"device_id":65024,"links":1,"linktarget":"tgt\ufffd\ufffd","content":null},{"name":"bom\\ufeffx","type":"file","mode":420,"mtime":"2026-11-21T21:42:41.186562669Z","atime":"2026-11-21T21:42:41.186562669Z","ctime":"2026-11-21T21:42:41.186562669Z","uid":0,"gid":0,"user":"root","group":"root","inode":11657970,"device_id":65024,"links":1,"content":[]},{"name":"cjk\\U0002a6dex","type":"file","mode":420,"mtime":"2026-11-21T21:42:41.186562669Z","atime":"2026-11-21T21:42:41.186562669Z","ctime":"2026-11-21T21:42:41.186562669Z","uid":0,"gid":0,"user":"root","group":"root","inode":11657968,"device_id":65024,"links":1,"content":[]},{"name":"ctlink","type":"symlink","mode":134218239,"mtime":"2026-11-21T21:42:41.186562669Z","atime":"2026-11-21T21:42:41.186562669Z","ctime":"2026-11-21T21:42:41.186562669Z","uid":0,"gid":0,"user":"root","group":"root","inode":11657973,"device_id":65024,"links":1,"linktarget":"\u0008\u000c\u003c\u003e\u0026\u2028{DEL}","content":null},{"name":"deleted\\u00adx","type":"file","mode":420,"mtime":"2026-11-21T21:42:41.186562669Z","atime":"2026-11-21T21:42:41.186562669Z","ctime":"2026-11-21T21:42:41.186562669Z","uid":0,"gid":0,"user":"root","group":"root","inode":11657969,"device_id":65024,"links":1,"content":[]},{"name":"emo\\U0001fae0ji","type":"file","mode":420,"mtime":"2026-11-21T21:42:41.182562669Z","atime":"2026-11-21T21:42:41.182562669Z","ctime":"2026-11-21T21:42:41.182562669Z","uid":0,"gid":0,"user":"root","group":"root","inode":11657961,"device_id":65024,"links":1,"content":[]},{"name":"emptyx","type":"file","mode":420,"mtime":"2026-11-21T21:42:41.186562669Z","atime":"2026-11-21T21:42:41.186562669Z","ctime":"2026-11-21T21:42:41.188055526Z","uid":0,"gid":0,"user":"root","group":"root","inode":11657974,"device_id":65024,"links":1,"extended_attributes":[{"name":"user.empty","value":""},{"name":"user.bad\ufffd","value":"dg=="}],"content":[]},{"name":"hi\\U000e0001tag","type":"file","mode":420,"mtime":"2026-11-21T21:42:41.186562669Z","atime":"2026-11-21T21:42:41.186562669Z","ctime":"2026-11-21T21:42:41.186562669Z","uid":0,"gid":0,"user":"root","group":"root","inode":11657965,"device_id":65024,"links":1,"content":[]},{"name":"ls\\u2028x","type":"file","mode":420,"mtime":"2026-11-21T21:42:41.186562669Z","atime":"2026-11-21T21:42:41.186562669Z","ctime":"2026-11-21T21:42:41.186562669Z","uid":0,"gid":0,"user":"root","group":"root","inode":11657964,"device_id":65024,"links":1,"content":[]},{"name":"nb\\u3000x","type":"file","mode":420,"mtime":"2026-11-21T21:42:41.186562669Z","atime":"2026-11-21T21:42:41.186562669Z","ctime":"2026-11-21T21:42:41.186562669Z","uid":0,"gid":0,"user":"root","group":"root","inode":11657967,"device_id":65024,"links":1,"content":[]},{"name":"priv\\ue000x","type":"file","mode":420,"mtime":"2026-11-21T21:42:41.186562669Z","atime":"2026-11-21T21:42:41.186562669Z","ctime":"2026-11-21T21:42:41.186562669Z","uid":0,"gid":0,"user":"root","group":"root","inode":11657966,"device_id":65024,"links":1,"content":[]},{"name":"repl�x","type":"file","mode":420,"mtime":"2026-11-21T21:42:41.186562669Z","atime":"2026-11-21T21:42:41.186562669Z","ctime":"2026-11-21T21:42:41.186562669Z","uid":0,"gid":0,"user":"root","group":"root","inode":11657971,"device_id":65024,"links":1,"content":[]},{"name":"sp\\u00a0ace","type":"file","mode":420,"mtime":"2026-11-21T21:42:41.186562669Z","atime":"2026-11-21T21:42:41.186562669Z","ctime":"2026-11-21T21:42:41.186562669Z","uid":0,"gid":0,"user":"root","group":"root","inode":11657963,"device_id":65024,"links":1,"content":[]}]}
""".Replace("{DEL}", "\u007f", StringComparison.Ordinal) + "\n";

    /// <summary>The node objects of a tree blob as stored, one per entry.</summary>
    public static IEnumerable<string> NodesOf(string tree)
    {
        var inner = tree["{\"nodes\":[".Length..^"]}\n".Length];
        var depth = 0;
        var start = 0;
        var inString = false;
        for (var i = 0; i < inner.Length; i++)
        {
            var c = inner[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inString = true;
                    break;
                case '{' or '[':
                    depth++;
                    break;
                case '}' or ']':
                    if (--depth == 0)
                    {
                        yield return inner[start..(i + 1)];
                        start = i + 2;
                    }

                    break;
            }
        }
    }
}
