pub fn vendored() {}
