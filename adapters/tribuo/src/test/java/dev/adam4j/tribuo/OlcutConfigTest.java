package dev.adam4j.tribuo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.oracle.labs.mlrg.olcut.config.ConfigurationManager;
import com.oracle.labs.mlrg.olcut.config.PropertyException;
import com.oracle.labs.mlrg.olcut.provenance.ConfiguredObjectProvenance;
import org.junit.jupiter.api.Test;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Trainer;
import org.tribuo.classification.Label;

/** The optimiser declared in a Tribuo (OLCUT) XML configuration file. */
class OlcutConfigTest {
    private static final String CONFIG = "/dev/adam4j/tribuo/adam4j-tribuo-config.xml";

    @Test
    void everyHyperparameterIsReadFromTheConfigurationFile() {
        ConfigurationManager cm = new ConfigurationManager(CONFIG);
        AdamOptimiser adamw = (AdamOptimiser) cm.lookup("adamw");
        assertEquals(new AdamOptimiser(0.05, 0.85, 0.995, 1e-7, 0.01, true, true,
                dev.adam4j.kernels.EpsilonMode.EPS_HAT).toString(), adamw.toString());
        assertEquals(new AdamOptimiser().toString(), cm.lookup("defaults").toString());
        ConfiguredObjectProvenance prov = adamw.getProvenance();
        assertEquals("0.05", prov.getConfiguredParameters().get("lr").toString());
        assertEquals("EPS_HAT", prov.getConfiguredParameters().get("epsilonMode").toString());
        cm.close();
    }

    @Test
    void aConfiguredTrainerTrainsWithTheAdapter() {
        ConfigurationManager cm = new ConfigurationManager(CONFIG);
        @SuppressWarnings("unchecked")
        Trainer<Label> trainer = (Trainer<Label>) cm.lookup("trainer");
        MutableDataset<Label> data = Blobs.make(300, 3, 5, false, false, 2);
        Model<Label> model = trainer.train(data);
        assertTrue(Blobs.accuracy(model, data) >= 0.95);
        assertTrue(model.getProvenance().toString().contains("dev.adam4j.tribuo.AdamOptimiser"));
        cm.close();
    }

    @Test
    void anInvalidValueNamesTheProperty() {
        ConfigurationManager cm = new ConfigurationManager(CONFIG);
        PropertyException e = assertThrows(PropertyException.class, () -> cm.lookup("bad"));
        assertEquals("lr", e.getProperty());
        assertTrue(e.getMessage().contains("Invalid learning rate: -0.5"), e.getMessage());
        cm.close();
    }
}
