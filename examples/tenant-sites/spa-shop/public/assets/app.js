// Client-side routing: every path is served index.html by the asset worker (single-page-application),
// and this script renders the view for it.
const routes = {
  "/": () => "Welcome to the shop.",
  "/cart": () => "Your cart is empty.",
};
function render() {
  const path = location.pathname;
  const product = path.match(/^\/products\/(\d+)$/);
  const view = routes[path]?.() ?? (product ? `Product #${product[1]}` : "Not found (client-side).");
  document.getElementById("view").textContent = view;
}
render();
