package dev.adam4j.distributed;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.adam4j.kernels.Precision;
import dev.adam4j.optim.AdamState;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.FlatParameters;
import dev.adam4j.optim.Optimizer;
import dev.adam4j.optim.Param;
import dev.adam4j.optim.StateDict;
import dev.adam4j.optim.checkpoint.Checkpoint;
import dev.adam4j.optim.checkpoint.CheckpointException;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sharded checkpoints in a directory (shared by the ranks, e.g. a network file system):
 * <ul>
 * <li>each rank writes its shard as an adam4j safetensors checkpoint of the shard's optimizer with
 *     the owned parameter values ({@code shard-g<generation>-r<rank>-of-<N>.safetensors}); its
 *     metadata carries, under {@code adam4j.state.adam4j.shard}, the schema
 *     {@value #SHARD_SCHEMA}, the rank, the world size, the shard's global offset and length, and
 *     the total length;</li>
 * <li>after every rank's file is complete (a barrier), rank 0 writes {@value #MANIFEST}
 *     ({@value #MANIFEST_SCHEMA}) last, atomically (a temporary file forced to disk, renamed over the
 *     old one, the directory forced), then removes older generations' files.</li>
 * </ul>
 * A rank killed during a save leaves the previous manifest, which names the previous generation's
 * files, all still there: the previous checkpoint stays loadable. {@link #load} re-shards to any
 * world size (every rank reads the old shards that overlap its new one); {@link #merge} writes the
 * single-file format of {@link Checkpoint} (PyTorch's state-dict keys, one entry per parameter).
 */
public final class ShardedCheckpoint {
    private ShardedCheckpoint() {}

    public static final String MANIFEST = "manifest.json";
    public static final String MANIFEST_SCHEMA = "adam4j-sharded-manifest/1";
    public static final String SHARD_SCHEMA = "adam4j-sharded/1";
    static final String SHARD_KEY = "adam4j.shard";
    private static final JsonFactory JSON = new JsonFactory();
    private static final Pattern FILE = Pattern.compile("shard-g([0-9]{1,18})-r[0-9]+-of-[0-9]+\\.safetensors");

    /** What a manifest says. */
    public record Manifest(long generation, int worldSize, long totalLength, Precision precision, List<String> files) {
        public Manifest {
            files = List.copyOf(files);
        }
    }

    /**
     * Saves every rank's shard and then the manifest; a collective call (every rank, same
     * {@code dir}). {@code extraStates} (a scheduler's state dict, by key) are saved with every shard
     * and returned by {@link #load}.
     */
    public static void save(ShardedOptimizer so, Path dir, Map<String, Map<String, ?>> extraStates) throws CheckpointException {
        Objects.requireNonNull(so, "optimizer");
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(extraStates, "extraStates");
        if (extraStates.containsKey(SHARD_KEY)) throw new IllegalArgumentException("extra state key '" + SHARD_KEY + "' is reserved");
        Collective c = so.collective();
        ShardLayout l = so.layout();
        int rank = c.rank(), n = c.worldSize();
        long previous = -1;
        try {
            Files.createDirectories(dir);
            Manifest m = readManifest(dir);
            previous = m.generation();
        } catch (NoSuchFileException e) {
            // first save
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot read the previous manifest: " + e.getMessage(), e);
        }
        long generation = (long) c.allReduceMax(previous) + 1; // every rank agrees on the generation
        String name = fileName(generation, rank, n);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("schema", SHARD_SCHEMA);
        info.put("generation", generation);
        info.put("rank", (long) rank);
        info.put("world_size", (long) n);
        info.put("offset", l.start(rank));
        info.put("length", l.ownedLength(rank));
        info.put("total_length", l.totalLength());
        info.put("precision", l.precision().name());
        Checkpoint.SaveOptions opts = Checkpoint.SaveOptions.defaults().withParams(true).withExtraState(SHARD_KEY, info);
        for (Map.Entry<String, Map<String, ?>> e : extraStates.entrySet()) opts = opts.withExtraState(e.getKey(), e.getValue());
        Checkpoint.save(so.optimizer(), dir.resolve(name), opts);
        c.barrier(); // every shard of this generation is on disk
        if (rank == 0) {
            List<String> files = new ArrayList<>();
            for (int r = 0; r < n; r++) files.add(fileName(generation, r, n));
            writeManifest(dir, new Manifest(generation, n, l.totalLength(), l.precision(), files));
            removeOlder(dir, generation);
        }
        c.barrier(); // the manifest names this generation
    }

    static String fileName(long generation, int rank, int n) {
        return "shard-g" + generation + "-r" + rank + "-of-" + n + ".safetensors";
    }

    private static void removeOlder(Path dir, long generation) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "shard-g*.safetensors")) {
            for (Path p : ds) {
                Matcher m = FILE.matcher(p.getFileName().toString());
                if (m.matches() && Long.parseLong(m.group(1)) < generation) Files.deleteIfExists(p);
            }
        } catch (IOException | RuntimeException e) {
            // stale files waste space but are harmless: the manifest names the files to load
        }
    }

    private static void writeManifest(Path dir, Manifest m) throws CheckpointException {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("schema", MANIFEST_SCHEMA);
            g.writeNumberField("generation", m.generation());
            g.writeNumberField("world_size", m.worldSize());
            g.writeNumberField("total_length", m.totalLength());
            g.writeStringField("precision", m.precision().name());
            g.writeArrayFieldStart("files");
            for (String f : m.files()) g.writeString(f);
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new CheckpointException("cannot encode the manifest: " + e.getMessage(), e);
        }
        Path tmp = dir.resolve("." + MANIFEST + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(w.toString().getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            Files.move(tmp, dir.resolve(MANIFEST), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException e) {
                // some file systems cannot force a directory; the rename itself is atomic
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort
            }
            throw new CheckpointException(dir + ": cannot write the manifest: " + e.getMessage(), e);
        }
    }

    /** Reads and validates {@code dir}'s manifest. */
    public static Manifest readManifest(Path dir) throws IOException {
        Path file = dir.resolve(MANIFEST);
        String text = Files.readString(file);
        Map<String, Object> v = new TreeMap<>();
        List<String> files = new ArrayList<>();
        try (JsonParser p = JSON.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new CheckpointException(file + ": not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken t = p.nextToken();
                if (key.equals("files")) {
                    if (t != JsonToken.START_ARRAY) throw new CheckpointException(file + ": files is not an array");
                    while (p.nextToken() == JsonToken.VALUE_STRING) files.add(p.getText());
                } else if (t == JsonToken.VALUE_NUMBER_INT) {
                    v.put(key, p.getLongValue());
                } else if (t == JsonToken.VALUE_STRING) {
                    v.put(key, p.getText());
                } else {
                    p.skipChildren();
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new CheckpointException(file + ": malformed JSON: " + e.getOriginalMessage(), e);
        }
        if (!MANIFEST_SCHEMA.equals(v.get("schema"))) {
            throw new CheckpointException(file + ": schema is " + v.get("schema") + "; this version reads " + MANIFEST_SCHEMA);
        }
        for (String k : List.of("generation", "world_size", "total_length")) {
            if (!(v.get(k) instanceof Long)) throw new CheckpointException(file + ": " + k + " is missing or not an integer");
        }
        long ws = (Long) v.get("world_size");
        if (ws < 1 || ws > Integer.MAX_VALUE || files.size() != ws) {
            throw new CheckpointException(file + ": world_size " + ws + " with " + files.size() + " files");
        }
        Precision precision;
        try {
            precision = Precision.valueOf(String.valueOf(v.get("precision")));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": unknown precision " + v.get("precision"), e);
        }
        for (String f : files) {
            if (!FILE.matcher(f).matches()) throw new CheckpointException(file + ": file name '" + f + "' is not a shard file's");
        }
        return new Manifest((Long) v.get("generation"), (int) ws, (Long) v.get("total_length"), precision, files);
    }

    /** One old shard, loaded into a temporary optimizer of its own size. */
    private record OldShard(long offset, long length, Optimizer opt, Param param, Map<String, Map<String, Object>> extras) {}

    private static OldShard readShard(Path dir, Manifest m, int oldRank, Function<List<Param>, ? extends Optimizer> factory,
            DataBuffer like) throws CheckpointException {
        ShardLayout old = new ShardLayout(m.totalLength(), m.worldSize(),
                ShardLayout.of(m.totalLength(), m.worldSize(), m.precision()).shardLength(), m.precision());
        long offset = old.start(oldRank), length = old.ownedLength(oldRank);
        Path file = dir.resolve(m.files().get(oldRank));
        Param p = Param.of("shard", Buffers.allocate(like, length, java.lang.foreign.Arena.ofAuto()));
        Optimizer opt = factory.apply(List.of(p));
        Map<String, Map<String, Object>> extras = Checkpoint.load(opt, file, true);
        Map<String, Object> info = extras.get(SHARD_KEY);
        if (info == null) throw new CheckpointException(file + ": not a shard file (no " + SHARD_KEY + " metadata)");
        if (!SHARD_SCHEMA.equals(info.get("schema"))) {
            throw new CheckpointException(file + ": shard schema " + info.get("schema") + "; this version reads " + SHARD_SCHEMA);
        }
        expect(file, info, "generation", m.generation());
        expect(file, info, "rank", oldRank);
        expect(file, info, "world_size", m.worldSize());
        expect(file, info, "offset", offset);
        expect(file, info, "length", length);
        expect(file, info, "total_length", m.totalLength());
        return new OldShard(offset, length, opt, p, extras);
    }

    private static void expect(Path file, Map<String, Object> info, String key, long want) throws CheckpointException {
        Object v = info.get(key);
        if (!(v instanceof Number num) || num.longValue() != want) {
            throw new CheckpointException(file + ": " + SHARD_KEY + "." + key + " is " + v + ", the manifest implies " + want);
        }
    }

    /**
     * Loads the checkpoint in {@code dir} into {@code so}, re-sharding from the world size it was
     * saved with to {@code so}'s; a collective call (it ends with an all-gather of the parameters).
     * Everything is read and checked before {@code so} changes. Returns the extra states saved with
     * it, by key.
     */
    public static Map<String, Map<String, Object>> load(ShardedOptimizer so, Path dir) throws CheckpointException {
        Objects.requireNonNull(so, "optimizer");
        Objects.requireNonNull(dir, "dir");
        ShardLayout l = so.layout();
        int rank = so.collective().rank();
        Manifest m = manifestFor(dir, l.totalLength(), l.precision());
        long from = l.start(rank), len = l.ownedLength(rank);
        DataBuffer data = so.shardParam().data();
        Gathered g = gather(dir, m, so.factory(), data, from, len);
        Optimizer opt = so.optimizer();
        StateDict sd = new StateDict(g.state == null ? new TreeMap<>() : new TreeMap<>(Map.of(0, g.state)), g.groups);
        try {
            opt.loadStateDict(sd);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(dir + ": " + e.getMessage(), e);
        }
        data.copyFrom(g.params);
        so.syncParameters();
        Map<String, Map<String, Object>> extras = new LinkedHashMap<>(g.extras);
        extras.remove(SHARD_KEY);
        return extras;
    }

    private record Gathered(StateDict.ParamState state, List<StateDict.Group> groups, DataBuffer params,
            Map<String, Map<String, Object>> extras) {}

    /** The global range {@code [from, from + len)} of the saved state and parameters. */
    private static Gathered gather(Path dir, Manifest m, Function<List<Param>, ? extends Optimizer> factory, DataBuffer like,
            long from, long len) throws CheckpointException {
        java.lang.foreign.Arena auto = java.lang.foreign.Arena.ofAuto();
        DataBuffer params = Buffers.allocate(like, len, auto);
        DataBuffer mm = Buffers.allocate(like, len, auto), vv = Buffers.allocate(like, len, auto);
        DataBuffer xx = null;
        Long step = null;
        boolean anyState = false, noState = false;
        List<StateDict.Group> groups = null;
        Map<String, Map<String, Object>> extras = null;
        for (int r = 0; r < m.worldSize(); r++) {
            ShardLayout old = ShardLayout.of(m.totalLength(), m.worldSize(), m.precision());
            long os = old.start(r), ol = old.ownedLength(r);
            boolean overlaps = os < from + len && from < os + ol;
            if (!overlaps && !(r == 0 && groups == null)) continue;
            OldShard s = readShard(dir, m, r, factory, like);
            if (groups == null) {
                groups = s.opt().stateDict().paramGroups();
                extras = s.extras();
            }
            if (!overlaps) continue;
            long lo = Math.max(from, os), hi = Math.min(from + len, os + ol);
            AdamState st = s.opt().state(s.param());
            params.slice(lo - from, hi - lo).copyFrom(s.param().data().slice(lo - os, hi - lo));
            if (st == null) {
                noState = true;
                continue;
            }
            anyState = true;
            if (step == null) step = st.step();
            else if (step != st.step()) {
                throw new CheckpointException(dir + ": shards disagree on the step count (" + step + " and " + st.step() + ")");
            }
            mm.slice(lo - from, hi - lo).copyFrom(st.expAvg().slice(lo - os, hi - lo));
            vv.slice(lo - from, hi - lo).copyFrom(st.expAvgSq().slice(lo - os, hi - lo));
            if (st.maxExpAvgSq() != null) {
                if (xx == null) xx = Buffers.allocate(like, len, auto);
                xx.slice(lo - from, hi - lo).copyFrom(st.maxExpAvgSq().slice(lo - os, hi - lo));
            }
        }
        if (anyState && noState) throw new CheckpointException(dir + ": some shards have optimizer state and some do not");
        StateDict.ParamState state = anyState ? new StateDict.ParamState(step, mm, vv, xx) : null;
        return new Gathered(state, groups, params, extras);
    }

    /** The manifest in {@code dir}, checked against a model of {@code totalLength} elements of {@code precision}. */
    private static Manifest manifestFor(Path dir, long totalLength, Precision precision) throws CheckpointException {
        Manifest m;
        try {
            m = readManifest(dir);
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException e) {
            throw new CheckpointException(dir + ": no readable manifest: " + e, e);
        }
        if (m.totalLength() != totalLength || m.precision() != precision) {
            throw new CheckpointException(dir + ": the checkpoint holds " + m.totalLength() + " " + m.precision()
                    + " elements, the model " + totalLength + " " + precision);
        }
        return m;
    }

    /**
     * Merges the checkpoint in {@code dir} into {@code out}, {@link Checkpoint}'s single-file format
     * with one state entry per parameter of {@code model} (a single-process {@link FlatParameters} of
     * the same parameters, which receives the merged values), its parameters included, written by an
     * optimizer made with {@code factory} from {@code model.params()}. Returns the extra states.
     */
    public static Map<String, Map<String, Object>> merge(Path dir, FlatParameters model,
            Function<List<Param>, ? extends Optimizer> factory, Path out) throws CheckpointException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(factory, "factory");
        Objects.requireNonNull(out, "out");
        DataBuffer data = model.data();
        Manifest m = manifestFor(dir, data.length(), data.precision());
        Gathered g = gather(dir, m, factory, data, 0, data.length());
        Optimizer full = factory.apply(model.params());
        TreeMap<Integer, StateDict.ParamState> state = new TreeMap<>();
        List<Integer> ids = new ArrayList<>();
        List<String> names = new ArrayList<>();
        long at = 0;
        for (int i = 0; i < model.params().size(); i++) {
            Param p = model.params().get(i);
            long n = p.length();
            if (g.state != null) {
                StateDict.ParamState s = g.state;
                state.put(i, new StateDict.ParamState(s.step(), s.expAvg().slice(at, n), s.expAvgSq().slice(at, n),
                        s.maxExpAvgSq() == null ? null : s.maxExpAvgSq().slice(at, n)));
            }
            ids.add(i);
            names.add(p.name());
            at += n;
        }
        if (g.groups.size() != 1 || full.paramGroups().size() != 1) {
            throw new CheckpointException("merge supports one parameter group (the sharded optimizer's)");
        }
        try {
            full.loadStateDict(new StateDict(state, List.of(new StateDict.Group(g.groups.get(0).options(), ids, names))));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(dir + ": " + e.getMessage(), e);
        }
        data.copyFrom(g.params);
        Map<String, Map<String, Object>> extras = new LinkedHashMap<>(g.extras);
        extras.remove(SHARD_KEY);
        Checkpoint.SaveOptions opts = Checkpoint.SaveOptions.defaults().withParams(true);
        for (Map.Entry<String, Map<String, Object>> e : extras.entrySet()) opts = opts.withExtraState(e.getKey(), e.getValue());
        Checkpoint.save(full, out, opts);
        return extras;
    }
}
