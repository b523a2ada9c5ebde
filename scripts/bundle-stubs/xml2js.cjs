// Stand-in for xml2js in the bundled CLI: dbus-next loads it for D-Bus introspection (proxy objects,
// exported interfaces), which bg never uses — it makes raw Manager calls. Dropping it and its
// sax/xmlbuilder dependencies saves ~200 KB to parse on every run.
const unused = () => {
  throw new Error('D-Bus introspection is not available in the bg bundle');
};
class Builder {
  buildObject() {
    unused();
  }
}
class Parser {
  parseString() {
    unused();
  }
}
module.exports = { Builder, Parser };
