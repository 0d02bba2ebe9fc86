fn main() { regjistri_desktop::run() }
