package dev.adam4j.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.Precision;
import dev.adam4j.kernels.ReducedFloats;
import dev.adam4j.optim.Adam;
import dev.adam4j.optim.AdamOptions;
import dev.adam4j.optim.AdamState;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.Param;
import dev.adam4j.optim.checkpoint.Checkpoint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A checkpoint of bf16 (or f16) parameters and state, read by real PyTorch (Debian's python3-torch,
 * through the {@code safe_open} of the README's snippet ({@code parity/src/test/python})): every tensor is an
 * ordinary {@code torch.bfloat16} / {@code torch.float16} tensor holding exactly adam4j's bits.
 */
class PythonReducedInteropTest {
    static final String SCRIPT = String.join("\n",
            "import sys, torch",
            "from safetensors import safe_open",
            "f = safe_open(sys.argv[1], framework='pt')",
            "for k in sorted(f.keys()):",
            "    t = f.get_tensor(k)",
            "    if t.is_floating_point() and t.element_size() == 2:",
            "        print(k, str(t.dtype), ' '.join(str(x & 0xFFFF) for x in t.reshape(-1).view(torch.int16).tolist()))",
            "    else:",
            "        print(k, str(t.dtype))");

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"BF16", "F16"})
    void pyTorchReadsTheCheckpointAsOrdinary16BitTensors(Precision p, @TempDir Path dir) throws Exception {
        short[] data = new short[6];
        for (int i = 0; i < 6; i++) data[i] = ReducedFloats.fromFloat(p, 0.3f * (i - 2));
        Param w = Param.of("w", data, p, 2, 3);
        Adam opt = new Adam(List.of(w), AdamOptions.of().amsgrad(true));
        for (int s = 0; s < 3; s++) {
            DataBuffer g = w.defineGrad();
            for (int i = 0; i < 6; i++) g.set(i, 0.01 * (i + s));
            opt.step();
        }
        Path file = dir.resolve("half.safetensors");
        Checkpoint.save(opt, file, Checkpoint.SaveOptions.defaults().withParams(true));

        ProcessBuilder pb = new ProcessBuilder(PythonInteropTest.python(), "-c", SCRIPT, file.toString()).redirectErrorStream(true);
        pb.environment().put("PYTHONPATH", Path.of("src", "test", "python").toAbsolutePath().toString());
        Process proc = pb.start();
        assertTrue(proc.waitFor(120, TimeUnit.SECONDS), "python finished");
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, proc.exitValue(), out);

        String dtype = p == Precision.BF16 ? "torch.bfloat16" : "torch.float16";
        Map<String, String[]> tensors = new HashMap<>();
        for (String line : out.strip().split("\n")) {
            String[] f = line.split(" ", 3);
            tensors.put(f[0], f);
        }
        AdamState st = opt.state(w);
        int checked = 0;
        for (Map.Entry<String, String[]> e : tensors.entrySet()) {
            String[] f = e.getValue();
            if (f.length < 3) continue; // the step counter
            assertEquals(dtype, f[1], e.getKey());
            DataBuffer ours = e.getKey().equals("w") ? w.data()
                    : e.getKey().endsWith("max_exp_avg_sq") ? st.maxExpAvgSq()
                    : e.getKey().endsWith("exp_avg_sq") ? st.expAvgSq()
                    : e.getKey().endsWith("exp_avg") ? st.expAvg() : null;
            if (ours == null) continue;
            String[] bits = f[2].split(" ");
            assertEquals(ours.length(), bits.length, e.getKey());
            for (int i = 0; i < bits.length; i++) {
                short expected = ReducedFloats.fromFloat(p, (float) ours.get(i));
                assertEquals(expected & 0xFFFF, Integer.parseInt(bits[i]), e.getKey() + "[" + i + "]");
            }
            checked++;
        }
        assertEquals(4, checked, "param, exp_avg, exp_avg_sq and max_exp_avg_sq read by PyTorch: " + out);
    }
}
