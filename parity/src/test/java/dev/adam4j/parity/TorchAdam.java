package dev.adam4j.parity;

import static dev.adam4j.parity.Torch.s;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.WeightDecay;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * PyTorch's default CPU path, {@code torch.optim.adam._single_tensor_adam}, as the same sequence of
 * ATen operations, with the step scalars computed as Python computes them (C's {@code pow} for
 * {@code **}, including {@code bias_correction2 ** 0.5}). {@code gradScale} (ours) is a {@code mul}
 * of the gradient first.
 */
final class TorchAdam {
    private TorchAdam() {}

    static void step(AdamHyperparameters h, long t, double gradScale, Tensor param, Tensor gradIn, Tensor expAvg,
            Tensor expAvgSq, Tensor maxExpAvgSq) {
        step(h, t, gradScale, param, gradIn, expAvg, expAvgSq, maxExpAvgSq, true);
    }

    /**
     * With {@code pythonScalars} false, the step scalars are adam4j's ({@code StepScalars}) instead of
     * Python's: the element-wise ATen operations are then compared on their own.
     */
    static void step(AdamHyperparameters h, long t, double gradScale, Tensor param, Tensor gradIn, Tensor expAvg,
            Tensor expAvgSq, Tensor maxExpAvgSq, boolean pythonScalars) {
        Tensor grad = gradIn;
        if (gradScale != 1.0) grad = grad.mul(s(gradScale));
        if (h.maximize()) grad = grad.neg();
        double wd = h.weightDecay();
        if (wd != 0) {
            if (h.weightDecayMode() == WeightDecay.DECOUPLED) param.mul_(s(1 - h.lr() * wd));
            else grad = grad.add(param, s(wd));
        }
        expAvg.lerp_(grad, s(1 - h.beta1()));
        expAvgSq.mul_(s(h.beta2())).addcmul_(grad, grad, s(1 - h.beta2()));
        double step = (double) t;
        double biasCorrection1 = 1 - Torch.pow(h.beta1(), step);
        double biasCorrection2 = 1 - Torch.pow(h.beta2(), step);
        double stepSize = h.lr() / biasCorrection1;
        double biasCorrection2Sqrt = Torch.pow(biasCorrection2, 0.5);
        if (!pythonScalars) {
            stepSize = -dev.adam4j.kernels.internal.StepScalars.negStepSize(h, t);
            biasCorrection2Sqrt = dev.adam4j.kernels.internal.StepScalars.bc2Sqrt(h, t);
        }
        Tensor denom;
        if (h.amsgrad()) {
            torch.maximum_out(maxExpAvgSq, maxExpAvgSq, expAvgSq);
            denom = maxExpAvgSq.sqrt().div(s(biasCorrection2Sqrt)).add_(s(h.eps()));
        } else {
            denom = expAvgSq.sqrt().div(s(biasCorrection2Sqrt)).add_(s(h.eps()));
        }
        param.addcdiv_(expAvg, denom, s(-stepSize));
    }
}
