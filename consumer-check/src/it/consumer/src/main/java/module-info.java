module consumer {
    requires dev.adam4j.optim;
}
