package consumer;

import dev.adam4j.kernels.AdamKernels;
import dev.adam4j.optim.Adam;
import dev.adam4j.optim.AdamOptions;
import dev.adam4j.optim.Param;
import dev.adam4j.optim.checkpoint.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Steps a parameter with adam4j and checks the result; args: (module|class) (vector|scalar). */
public final class Main {
    public static void main(String[] args) throws Exception {
        String path = args[0], expectedProvider = args[1];
        boolean named = Adam.class.getModule().isNamed();
        check(named == path.equals("module"), "adam4j loaded " + (named ? "as a named module" : "from the class path"));
        check(AdamKernels.providerName().equals(expectedProvider), "provider " + AdamKernels.providerName());

        float[] w = {1f, -2f, 0.5f};
        Param p = Param.of("w", w);
        p.setGrad(dev.adam4j.optim.DataBuffer.of(new float[] {0.3f, -0.7f, 2f}));
        Adam opt = new Adam(List.of(p), AdamOptions.of().lr(0.1));
        opt.step();
        // the first Adam step moves every parameter by lr against the sign of its gradient
        float[] expected = {0.9f, -1.9f, 0.4f};
        for (int i = 0; i < 3; i++) check(Math.abs(w[i] - expected[i]) < 1e-6, "w[" + i + "] = " + w[i]);

        Path f = Files.createTempFile("consumer", ".safetensors");
        Checkpoint.save(opt, f);
        Adam again = new Adam(List.of(Param.of("w", new float[3])));
        Checkpoint.load(again, f);
        check(again.state(again.paramGroups().get(0).params().get(0)).step() == 1, "checkpoint step");
        Files.delete(f);
        System.out.println("consumer check passed: " + path + " path, kernel " + AdamKernels.providerName()
                + (AdamKernels.vectorBitSize() > 0 ? " " + AdamKernels.vectorBitSize() + "-bit" : ""));
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            System.err.println("consumer check FAILED: " + what);
            System.exit(1);
        }
    }
}
