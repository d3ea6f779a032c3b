package dev.adam4j.optim.amp;

import dev.adam4j.optim.Optimizer;
import dev.adam4j.optim.clip.ClipGrad;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * PyTorch's {@code torch.amp.GradScaler}: dynamic loss scaling. Multiply the loss by {@link #getScale()}
 * before the backward pass; {@link #step} then skips the whole step when any gradient is inf or NaN
 * (no parameter, moment or step count changes) and otherwise steps with the gradients unscaled inside
 * the step's own pass ({@code opt.step(1/scale)}, no pass that rewrites them); {@link #update} grows or
 * backs off the scale. With {@link #clipGradNorm}, the overflow check is the norm pass itself (a
 * non-finite element makes the sum of squares non-finite) and the clip coefficient joins the same scale.
 *
 * <p>Defaults are PyTorch's: init_scale 2^16, growth_factor 2, backoff_factor 0.5, growth_interval 2000.
 * The scale is kept in f32, as PyTorch keeps it in a float tensor.
 */
public final class GradScaler {
    private float scale;
    private double growthFactor, backoffFactor;
    private long growthInterval, growthTracker;
    private final boolean enabled;
    private final Map<Optimizer, double[]> unscaled = new IdentityHashMap<>(); // opt → {foundInf (0/1), gradScale}

    public GradScaler() {
        this(65536.0, 2.0, 0.5, 2000, true);
    }

    public GradScaler(double initScale, double growthFactor, double backoffFactor, long growthInterval, boolean enabled) {
        if (!(initScale > 0) || Double.isInfinite(initScale)) throw new IllegalArgumentException("init_scale must be finite and > 0, got " + initScale);
        if (!(growthFactor > 1.0)) throw new IllegalArgumentException("The growth factor must be > 1.0, got " + growthFactor);
        if (!(backoffFactor < 1.0 && backoffFactor > 0)) throw new IllegalArgumentException("The backoff factor must be < 1.0, got " + backoffFactor);
        if (growthInterval <= 0) throw new IllegalArgumentException("growth_interval must be a positive integer, got " + growthInterval);
        this.scale = (float) initScale;
        this.growthFactor = growthFactor;
        this.backoffFactor = backoffFactor;
        this.growthInterval = growthInterval;
        this.enabled = enabled;
    }

    /** The current scale (1 when disabled). */
    public double getScale() {
        return enabled ? scale : 1.0;
    }

    /** {@code loss · scale}: what the backward pass should differentiate. */
    public double scale(double loss) {
        return loss * getScale();
    }

    /** PyTorch's {@code unscale_}: checks {@code opt}'s gradients (one read) and records the unscale factor. */
    public void unscale(Optimizer opt) {
        Objects.requireNonNull(opt, "optimizer");
        // the largest magnitude is non-finite exactly when an element is: no false overflow from squaring
        record(opt, ClipGrad.totalNorm(opt, ClipGrad.grads(opt), Double.POSITIVE_INFINITY), 1.0);
    }

    /**
     * Unscale and clip in one read of the gradients: the norm of the unscaled gradients is the scaled
     * norm divided by the scale; returns it. A non-finite norm means an overflow: the step will be
     * skipped (and nothing is clipped).
     */
    public double clipGradNorm(Optimizer opt, double maxNorm) {
        Objects.requireNonNull(opt, "optimizer");
        if (!(maxNorm >= 0) || Double.isInfinite(maxNorm)) throw new IllegalArgumentException("Invalid max_norm: " + maxNorm + " (must be finite and >= 0)");
        double inv = 1.0 / getScale();
        java.util.List<dev.adam4j.optim.DataBuffer> grads = ClipGrad.grads(opt);
        // the norm of the unscaled gradients: a power-of-two scale commutes exactly with every rounding
        double total = ClipGrad.totalNorm(opt, grads, 2.0) * inv;
        record(opt, total, Double.isFinite(total) ? ClipGrad.coefficient(total, maxNorm, ClipGrad.dtype(grads)) : 1.0);
        return total;
    }

    private void record(Optimizer opt, double norm, double clip) {
        Objects.requireNonNull(opt, "optimizer");
        if (unscaled.containsKey(opt)) throw new IllegalStateException("unscale_() has already been called on this optimizer since the last update().");
        float inv = (float) (1.0 / (double) (enabled ? scale : 1.0f)); // PyTorch: scale.double().reciprocal().float()
        unscaled.put(opt, new double[] {Double.isFinite(norm) ? 0 : 1, inv * clip});
    }

    /** Steps {@code opt} unless its gradients overflowed; returns whether it stepped. */
    public boolean step(Optimizer opt) {
        if (!unscaled.containsKey(opt)) unscale(opt);
        double[] u = unscaled.get(opt);
        if (u[0] != 0) return false;
        opt.step(u[1]);
        return true;
    }

    /** PyTorch's {@code update()}: backs off after an overflow, grows after growth_interval clean steps. */
    public void update() {
        if (!enabled) return;
        if (unscaled.isEmpty()) throw new IllegalStateException("No inf checks were recorded prior to update.");
        boolean foundInf = unscaled.values().stream().anyMatch(u -> u[0] != 0);
        if (foundInf) {
            scale = (float) (scale * backoffFactor);
            growthTracker = 0;
        } else if (++growthTracker == growthInterval) {
            scale = (float) (scale * growthFactor);
            growthTracker = 0;
        }
        unscaled.clear();
    }

    /** PyTorch's keys: scale, growth_factor, backoff_factor, growth_interval, _growth_tracker. */
    public Map<String, Object> stateDict() {
        Map<String, Object> sd = new LinkedHashMap<>();
        if (!enabled) return sd;
        sd.put("scale", (double) scale);
        sd.put("growth_factor", growthFactor);
        sd.put("backoff_factor", backoffFactor);
        sd.put("growth_interval", growthInterval);
        sd.put("_growth_tracker", growthTracker);
        return sd;
    }

    /** Loads a {@link #stateDict()}; every key is checked before anything changes. */
    public void loadStateDict(Map<String, Object> sd) {
        Objects.requireNonNull(sd, "state dict");
        if (!enabled) return;
        if (sd.isEmpty()) throw new IllegalArgumentException("The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler.");
        double s = number(sd, "scale"), g = number(sd, "growth_factor"), b = number(sd, "backoff_factor");
        long gi = integer(sd, "growth_interval"), gt = integer(sd, "_growth_tracker");
        scale = (float) s;
        growthFactor = g;
        backoffFactor = b;
        growthInterval = gi;
        growthTracker = gt;
    }

    private static double number(Map<String, Object> sd, String k) {
        if (!(sd.get(k) instanceof Number n)) throw new IllegalArgumentException("GradScaler state '" + k + "' must be a number, got " + sd.get(k));
        return n.doubleValue();
    }

    private static long integer(Map<String, Object> sd, String k) {
        if (!(sd.get(k) instanceof Long || sd.get(k) instanceof Integer)) {
            throw new IllegalArgumentException("GradScaler state '" + k + "' must be an integer, got " + sd.get(k));
        }
        return ((Number) sd.get(k)).longValue();
    }
}
