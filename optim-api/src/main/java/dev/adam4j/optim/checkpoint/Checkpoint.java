package dev.adam4j.optim.checkpoint;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.adam4j.kernels.Precision;
import dev.adam4j.optim.Optimizer;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.Param;
import dev.adam4j.optim.ParamGroup;
import dev.adam4j.optim.SplitMasterWeights;
import dev.adam4j.optim.StateDict;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Optimizer checkpoints as safetensors files that PyTorch users can open.
 *
 * <h2>Layout</h2>
 * Tensors {@code state.<id>.exp_avg}, {@code state.<id>.exp_avg_sq}, {@code state.<id>.max_exp_avg_sq}
 * (amsgrad) with the parameter's shape, and {@code state.<id>.step} (0-rank I64), where {@code <id>} is
 * PyTorch's id: the parameter's position across groups. Moments are stored in their own dtype (the
 * parameter's, or {@code BF16}/{@code F16} for a group with that {@code stateDtype}) unless
 * {@link SaveOptions#stateDtype} asks for another; a load converts them to the optimizer's state
 * precision (exact widening, or rounding to nearest even), so a file of one layout resumes in another.
 * Parameters, when saved, under their names. A group with split master weights
 * ({@link dev.adam4j.optim.AdamOptions#splitMasterWeights}) saves each parameter as the {@code F32} tensor
 * its bf16 and low halves represent, and its state's low halves as {@code state.<id>.master_weight}, the
 * same f32 values (so the file holds the exact master weights whether or not parameters are saved, in a
 * form PyTorch reads); a load splits them back. Plain bf16 parameters stay {@code BF16} tensors.
 * {@code __metadata__}: {@code format = pt}, {@code adam4j.schema = adam4j-optimizer/1}, {@code optimizer}
 * (the class, e.g. {@code Adam}), {@code param_groups} (JSON, exactly the shape of PyTorch's
 * {@code state_dict()['param_groups']}, plus {@code eps_mode} and extras) and, when every parameter is
 * named, {@code param_names} (a JSON list by id).
 *
 * <h2>Guarantees</h2>
 * A save never destroys the previous checkpoint (see {@link SafetensorsWriter}). A load validates the
 * file and everything in it against the optimizer before it changes anything; any problem throws
 * {@link CheckpointException} naming the tensor or field, and the optimizer and its parameters are
 * then exactly as before.
 */
public final class Checkpoint {
    private Checkpoint() {}

    /** The state field of split master weights: the f32 value each bf16 parameter element and its low half represent. */
    static final String MASTER_WEIGHT = "master_weight";

    /** Metadata key prefix of the extra states ({@link SaveOptions#withExtraState}). */
    static final String EXTRA_PREFIX = "adam4j.state.";

    /** The schema written to {@code __metadata__["adam4j.schema"]}; loads refuse any other. */
    public static final String SCHEMA = "adam4j-optimizer/1";

    /**
     * {@code state.<id>.<field>}; the fields are {@code step}, PyTorch's moment names and {@code master_weight}
     * (split master weights, saved as the f32 values, for the state dict's {@code master_weight_low}).
     */
    private static final Pattern STATE_KEY = Pattern.compile("state\\.(0|[1-9][0-9]{0,8})\\.("
            + "exp_avg|exp_avg_sq|max_exp_avg_sq|" + MASTER_WEIGHT + "|step)");

    /**
     * What to save: the parameters too ({@code includeParams}, which needs named parameters), the
     * dtype of the moment buffers ({@code stateDtype}; null keeps each buffer's own: the parameter's
     * precision, or its group's {@link dev.adam4j.optim.AdamOptions#stateDtype}), and
     * the state dicts of the objects that drive the optimizer ({@code extraStates}: a learning-rate
     * scheduler, a gradient scaler), each under a key, so that a resumed run continues them too.
     */
    public record SaveOptions(boolean includeParams, Dtype stateDtype, Map<String, Map<String, ?>> extraStates) {
        public SaveOptions {
            if (stateDtype == Dtype.I64) throw new IllegalArgumentException("moments cannot be stored as I64");
            extraStates = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(extraStates, "extraStates")));
        }

        public SaveOptions(boolean includeParams, Dtype stateDtype) {
            this(includeParams, stateDtype, Map.of());
        }

        public static SaveOptions defaults() {
            return new SaveOptions(false, null);
        }

        public SaveOptions withParams(boolean v) {
            return new SaveOptions(v, stateDtype, extraStates);
        }

        public SaveOptions withStateDtype(Dtype d) {
            return new SaveOptions(includeParams, d, extraStates);
        }

        /**
         * Saves {@code state} (a state dict of JSON values: numbers, booleans, strings, null, lists and
         * maps with string keys; infinities and NaN are written as Python's {@code json} writes them)
         * under {@code key}; {@link Checkpoint#load} returns it under the same key.
         */
        public SaveOptions withExtraState(String key, Map<String, ?> state) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(state, "state");
            Map<String, Map<String, ?>> m = new LinkedHashMap<>(extraStates);
            m.put(key, state);
            return new SaveOptions(includeParams, stateDtype, m);
        }
    }

    public static void save(Optimizer opt, Path file) throws CheckpointException {
        save(opt, file, SaveOptions.defaults());
    }

    /**
     * Writes {@code opt}'s state dict (and, if asked, its parameters) to {@code file}, atomically.
     * The state dict is {@link Optimizer#stateDictView()}: the live buffers, not copies, with the
     * state-dict hooks run; do not step the optimizer from another thread meanwhile.
     */
    public static void save(Optimizer opt, Path file, SaveOptions options) throws CheckpointException {
        Objects.requireNonNull(opt, "optimizer");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(options, "options");
        List<Param> all = new ArrayList<>();
        for (ParamGroup g : opt.paramGroups()) all.addAll(g.params());
        StateDict sd = opt.stateDictView();
        boolean named = !all.isEmpty() && all.get(0).name() != null;
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        Map<Param, Boolean> split = new IdentityHashMap<>();
        for (ParamGroup g : opt.paramGroups()) for (Param p : g.params()) split.put(p, g.splitMasterWeights());
        if (options.includeParams()) {
            if (!named) throw new CheckpointException("saving parameters needs named parameters (their names are the tensor keys)");
            for (int id = 0; id < all.size(); id++) {
                Param p = all.get(id);
                if (p.name().startsWith("state.") || p.name().equals("__metadata__")) {
                    throw new CheckpointException("parameter name '" + p.name() + "' collides with the checkpoint's own keys");
                }
                if (split.get(p)) { // the f32 master weight; without state yet, the bf16 value (zero low halves)
                    StateDict.ParamState ps = sd.state().get(id);
                    DataBuffer low = ps != null && ps.masterWeightLow() != null ? ps.masterWeightLow() : p.data().allocateLike();
                    entries.add(SafetensorsWriter.Entry.of(p.name(), Dtype.F32, p.shape(), SplitMasterWeights.join(p.data(), low)));
                } else {
                    entries.add(SafetensorsWriter.Entry.of(p.name(), dtypeOf(p.data()), p.shape(), p.data()));
                }
            }
        }
        for (Map.Entry<Integer, StateDict.ParamState> e : sd.state().entrySet()) {
            int id = e.getKey();
            if (id < 0 || id >= all.size()) throw new CheckpointException("the state dict has state for parameter id " + id
                    + ", which the optimizer does not have");
            long[] shape = all.get(id).shape();
            for (Map.Entry<String, DataBuffer> b : e.getValue().buffers().entrySet()) {
                if (b.getKey().equals("master_weight_low")) {
                    entries.add(SafetensorsWriter.Entry.of("state." + id + "." + MASTER_WEIGHT, Dtype.F32, shape,
                            SplitMasterWeights.join(all.get(id).data(), b.getValue())));
                    continue;
                }
                Dtype d = options.stateDtype() != null ? options.stateDtype() : dtypeOf(b.getValue());
                entries.add(SafetensorsWriter.Entry.of("state." + id + "." + b.getKey(), d, shape, b.getValue()));
            }
            entries.add(SafetensorsWriter.Entry.scalar("state." + id + ".step", e.getValue().step()));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("adam4j.schema", SCHEMA);
        meta.put("optimizer", opt.getClass().getSimpleName());
        meta.put("param_groups", groupsJson(sd));
        if (named) meta.put("param_names", json(g -> {
            g.writeStartArray();
            for (Param p : all) g.writeString(p.name());
            g.writeEndArray();
        }));
        for (Map.Entry<String, Map<String, ?>> e : options.extraStates().entrySet()) {
            meta.put(EXTRA_PREFIX + e.getKey(), ExtraStateJson.write(e.getValue(), e.getKey()));
        }
        SafetensorsWriter.write(file, meta, entries);
    }

    private static Dtype dtypeOf(DataBuffer b) {
        return switch (b.precision()) {
            case F32 -> Dtype.F32;
            case F64 -> Dtype.F64;
            case BF16 -> Dtype.BF16;
            case F16 -> Dtype.F16;
        };
    }

    private interface JsonBody {
        void write(JsonGenerator g) throws IOException;
    }

    private static String json(JsonBody body) throws CheckpointException {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = SafetensorsFile.JSON.createGenerator(w)) {
            body.write(g);
        } catch (IOException e) {
            throw new CheckpointException("cannot write metadata JSON: " + e.getMessage(), e);
        }
        return w.toString();
    }

    /** The state dict's {@code param_groups}, as PyTorch's {@code state_dict()} has them. */
    private static String groupsJson(StateDict sd) throws CheckpointException {
        return json(g -> {
            g.writeStartArray();
            for (StateDict.Group group : sd.paramGroups()) {
                g.writeStartObject();
                for (Map.Entry<String, Object> e : group.options().entrySet()) {
                    g.writeFieldName(e.getKey());
                    writeValue(g, e.getKey(), e.getValue());
                }
                g.writeArrayFieldStart("params");
                for (int id : group.params()) g.writeNumber(id);
                g.writeEndArray();
                if (group.paramNames() != null) {
                    g.writeArrayFieldStart("param_names");
                    for (String n : group.paramNames()) g.writeString(n);
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    private static void writeValue(JsonGenerator g, String key, Object v) throws IOException {
        switch (v) {
            case null -> g.writeNull();
            case Boolean b -> g.writeBoolean(b);
            case Long l -> g.writeNumber(l); // stochastic_rounding_seed
            case Double d -> {
                if (!Double.isFinite(d)) throw new CheckpointException("hyperparameter " + key + " = " + d + " has no JSON form");
                g.writeNumber(d);
            }
            case String s -> g.writeString(s);
            case List<?> l -> {
                g.writeStartArray();
                for (Object o : l) writeValue(g, key, o);
                g.writeEndArray();
            }
            default -> throw new CheckpointException("hyperparameter " + key + " has an unexpected value " + v);
        }
    }

    // ------------------------------------------------------------------ load

    /**
     * Loads the optimizer state from {@code file}; parameter tensors in it are left alone. Returns the
     * extra states saved with it ({@link SaveOptions#withExtraState}), by key (empty if none).
     */
    public static Map<String, Map<String, Object>> load(Optimizer opt, Path file) throws CheckpointException {
        return load(opt, file, false);
    }

    /**
     * Loads the optimizer state and, with {@code loadParams}, the parameters' values (every parameter of
     * the optimizer must then be in the file under its name, with its shape). All or nothing: the file
     * is read and checked in full, and the parameters' buffers checked writable, before the state dict
     * is loaded ({@link Optimizer#loadStateDict}, itself validate-then-apply) and the values copied.
     */
    public static Map<String, Map<String, Object>> load(Optimizer opt, Path file, boolean loadParams)
            throws CheckpointException {
        Objects.requireNonNull(opt, "optimizer");
        Objects.requireNonNull(file, "file");
        try (SafetensorsFile f = SafetensorsFile.openHeader(file)) {
            Map<String, String> meta = f.metadata();
            require(meta, "format", "pt", file);
            String schema = meta.get("adam4j.schema");
            if (!SCHEMA.equals(schema)) {
                throw new CheckpointException(file + ": __metadata__.adam4j.schema is " + (schema == null ? "missing" : "'" + schema + "'")
                        + "; this version reads " + SCHEMA);
            }
            String cls = meta.get("optimizer");
            if (!opt.getClass().getSimpleName().equals(cls)) {
                throw new CheckpointException(file + ": written by optimizer '" + cls + "', loading into " + opt.getClass().getSimpleName());
            }
            String groupsJson = meta.get("param_groups");
            if (groupsJson == null) throw new CheckpointException(file + ": __metadata__.param_groups is missing");
            List<StateDict.Group> groups = parseGroups(groupsJson, file);
            Map<String, Map<String, Object>> extras = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : meta.entrySet()) {
                if (e.getKey().startsWith(EXTRA_PREFIX)) {
                    String key = e.getKey().substring(EXTRA_PREFIX.length());
                    extras.put(key, ExtraStateJson.read(e.getValue(), file + ": __metadata__." + e.getKey()));
                }
            }

            // ids → the optimizer's parameters, checked as loadStateDict checks them
            Map<Integer, Param> byId;
            try {
                byId = new StateDict(new TreeMap<>(), groups).matchParams(opt.paramGroups());
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(file + ": " + e.getMessage(), e);
            }
            Map<String, Param> byName = new HashMap<>();
            for (Param p : byId.values()) if (p.name() != null) byName.put(p.name(), p);
            Map<Param, ParamGroup> groupOf = new IdentityHashMap<>();
            for (ParamGroup g : opt.paramGroups()) for (Param p : g.params()) groupOf.put(p, g);

            // classify every tensor: state of a known id, or a parameter
            Map<Integer, Map<String, SafetensorsFile.Tensor>> stateTensors = new TreeMap<>();
            Map<String, SafetensorsFile.Tensor> paramTensors = new HashMap<>();
            for (SafetensorsFile.Tensor t : f.tensors().values()) {
                Matcher m = STATE_KEY.matcher(t.name());
                if (m.matches()) {
                    int id = Integer.parseInt(m.group(1));
                    if (!byId.containsKey(id)) throw new CheckpointException(file + ": tensor " + t.name() + " is for parameter id " + id + ", which no group lists");
                    stateTensors.computeIfAbsent(id, k -> new HashMap<>()).put(m.group(2), t);
                } else if (byName.containsKey(t.name())) {
                    paramTensors.put(t.name(), t);
                } else {
                    throw new CheckpointException(file + ": unexpected tensor '" + t.name() + "' (neither state.<id>.<field> nor a parameter name)");
                }
            }

            for (Map.Entry<Integer, Map<String, SafetensorsFile.Tensor>> e : stateTensors.entrySet()) {
                long[] shape = byId.get(e.getKey()).shape();
                for (SafetensorsFile.Tensor t : e.getValue().values()) {
                    if (!t.name().endsWith(".step") && !Arrays.equals(t.shape(), shape)) {
                        throw new CheckpointException(file + ": tensor " + t.name() + " has shape " + Arrays.toString(t.shape())
                                + " but its parameter has shape " + Arrays.toString(shape));
                    }
                }
            }
            // the header matches the optimizer: only now read (and checksum) the data
            f.load();

            TreeMap<Integer, StateDict.ParamState> state = new TreeMap<>();
            for (Map.Entry<Integer, Map<String, SafetensorsFile.Tensor>> e : stateTensors.entrySet()) {
                Param p = byId.get(e.getKey());
                Map<String, SafetensorsFile.Tensor> ts = new LinkedHashMap<>(e.getValue());
                SafetensorsFile.Tensor step = ts.remove("step");
                if (step == null) throw new CheckpointException(file + ": tensor state." + e.getKey() + ".step is missing");
                if (step.shape().length != 0) {
                    throw new CheckpointException(file + ": tensor " + step.name() + " must be 0-rank, has shape " + Arrays.toString(step.shape()));
                }
                long sv = f.scalarLong(step);
                if (sv < 0) {
                    throw new CheckpointException(file + ": tensor " + step.name() + " holds " + sv + ", not a step count");
                }
                Map<String, DataBuffer> buffers = new LinkedHashMap<>();
                Precision sp = groupOf.get(p).statePrecision(p); // the optimizer's moments: a file of another layout converts
                for (Map.Entry<String, SafetensorsFile.Tensor> t : ts.entrySet()) {
                    if (t.getKey().equals(MASTER_WEIGHT)) { // split back into the low halves (the parameter keeps its own bf16)
                        DataBuffer low = p.data().allocateLike(Precision.BF16);
                        SplitMasterWeights.split(tensor(f, t.getValue(), p, Precision.F32, file), null, low);
                        buffers.put("master_weight_low", low);
                    } else {
                        buffers.put(t.getKey(), tensor(f, t.getValue(), p, sp, file));
                    }
                }
                try {
                    state.put(e.getKey(), StateDict.ParamState.of(sv, buffers));
                } catch (IllegalArgumentException ex) {
                    throw new CheckpointException(file + ": state." + e.getKey() + ": " + ex.getMessage(), ex);
                }
            }

            Map<Param, DataBuffer> newParams = new IdentityHashMap<>();
            if (loadParams) {
                for (Param p : byId.values()) {
                    if (p.name() == null) throw new CheckpointException(file + ": loading parameters needs named parameters");
                    SafetensorsFile.Tensor t = paramTensors.get(p.name());
                    if (t == null) throw new CheckpointException(file + ": parameter tensor '" + p.name() + "' is missing");
                    if (groupOf.get(p).splitMasterWeights()) { // an f32 master weight (or a bf16 tensor): its high halves
                        DataBuffer high = p.data().allocateLike(), low = p.data().allocateLike(Precision.BF16);
                        SplitMasterWeights.split(tensor(f, t, p, Precision.F32, file), high, low);
                        newParams.put(p, high);
                    } else {
                        newParams.put(p, tensor(f, t, p, p.data().precision(), file));
                    }
                    p.data().requireWritable(p.toString() + "'s data");
                }
            }

            try {
                opt.loadStateDict(new StateDict(state, groups));
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(file + ": " + e.getMessage(), e);
            }
            for (Map.Entry<Param, DataBuffer> e : newParams.entrySet()) e.getKey().data().copyFrom(e.getValue());
            return Collections.unmodifiableMap(extras);
        } catch (CheckpointException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CheckpointException(file + ": " + e, e);
        }
    }

    private static void require(Map<String, String> meta, String key, String value, Path file) throws CheckpointException {
        if (!value.equals(meta.get(key))) {
            throw new CheckpointException(file + ": __metadata__." + key + " is " + meta.get(key) + ", expected " + value);
        }
    }

    /** A floating-point tensor with {@code p}'s shape, converted to {@code precision}. */
    private static DataBuffer tensor(SafetensorsFile f, SafetensorsFile.Tensor t, Param p, Precision precision, Path file)
            throws CheckpointException {
        if (t.dtype() == Dtype.I64) throw new CheckpointException(file + ": tensor " + t.name() + " is I64, expected a floating-point dtype");
        if (!Arrays.equals(t.shape(), p.shape())) {
            throw new CheckpointException(file + ": tensor " + t.name() + " has shape " + Arrays.toString(t.shape()) + " but "
                    + (p.name() == null ? "its parameter" : "parameter '" + p.name() + "'") + " has shape " + Arrays.toString(p.shape()));
        }
        return f.read(t, p.data(), precision);
    }

    /** {@code param_groups}: a JSON list of objects; values are scalars or lists of scalars. */
    static List<StateDict.Group> parseGroups(String json, Path file) throws CheckpointException {
        List<StateDict.Group> groups = new ArrayList<>();
        try (JsonParser p = SafetensorsFile.JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_ARRAY) throw new CheckpointException("param_groups is not a JSON list");
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                if (t != JsonToken.START_OBJECT) throw new CheckpointException("param_groups holds a non-object " + t);
                Map<String, Object> options = new LinkedHashMap<>();
                List<Integer> params = null;
                List<String> names = null;
                for (JsonToken f = p.nextToken(); f != JsonToken.END_OBJECT; f = p.nextToken()) {
                    String key = p.currentName();
                    Object v = value(p, p.nextToken(), key, 0);
                    switch (key) {
                        case "params" -> params = ints(v);
                        case "param_names" -> names = strings(v);
                        default -> options.put(key, v);
                    }
                }
                if (params == null) throw new CheckpointException("a param_groups entry lacks 'params'");
                if (names != null && names.size() != params.size()) {
                    throw new CheckpointException("param_names has " + names.size() + " names for " + params.size() + " params");
                }
                groups.add(new StateDict.Group(options, params, names));
            }
            if (p.nextToken() != null) throw new CheckpointException("param_groups has text after its list");
        } catch (CheckpointException e) {
            throw new CheckpointException(file + ": __metadata__.param_groups: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(file + ": __metadata__.param_groups is not valid JSON: " + e.getMessage(), e);
        }
        return groups;
    }

    /** A group value: a scalar, or a list of scalars (PyTorch's {@code betas}). */
    private static Object value(JsonParser p, JsonToken t, String key, int depth) throws IOException {
        if (t == JsonToken.START_OBJECT) throw new CheckpointException(key + " holds an unsupported " + t);
        Object v = ExtraStateJson.read(p, t);
        if (v instanceof List<?> l && l.stream().anyMatch(e -> e instanceof List<?> || e instanceof Map<?, ?>)) {
            throw new CheckpointException(key + " nests lists");
        }
        return v;
    }

    private static List<Integer> ints(Object v) throws CheckpointException {
        if (!(v instanceof List<?> l)) throw new CheckpointException("'params' is not a list");
        List<Integer> out = new ArrayList<>();
        for (Object o : l) {
            if (!(o instanceof Long n) || n < 0 || n > Integer.MAX_VALUE) throw new CheckpointException("'params' holds " + o + ", not an id");
            out.add(n.intValue());
        }
        return out;
    }

    private static List<String> strings(Object v) throws CheckpointException {
        if (!(v instanceof List<?> l)) throw new CheckpointException("'param_names' is not a list");
        List<String> out = new ArrayList<>();
        for (Object o : l) {
            if (!(o instanceof String s)) throw new CheckpointException("'param_names' holds " + o + ", not a name");
            out.add(s);
        }
        return out;
    }
}
