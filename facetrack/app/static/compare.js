(() => {
  const slider = document.getElementById("slider"), reveal = document.getElementById("reveal");
  const move = () => slider.style.setProperty("--pos", reveal.value + "%");
  reveal.addEventListener("input", move); move();
})();
